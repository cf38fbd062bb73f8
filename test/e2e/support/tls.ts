/**
 * A certificate authority made at run time (openssl), and one server certificate for 127.0.0.1 signed by it: Vault's
 * https listener and the fake GitLab (OIDC issuer, Terraform state API) both use it. Vault trusts the fake GitLab
 * through SSL_CERT_FILE=<ca.pem> (Go's crypto/x509 reads it on Linux), so the synthesized auth backend, which sets no
 * oidc_discovery_ca_pem, is applied exactly as it is; curl trusts Vault through CURL_CA_BUNDLE, Node through `ca`.
 * The CA key lives only in the run's temporary folder.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestTls {
  /** PEM file of the CA (SSL_CERT_FILE, CURL_CA_BUNDLE). */
  readonly caFile: string;
  readonly ca: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export function makeTestTls(dir: string): TestTls {
  const openssl = (...args: string[]) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    } catch (error: any) {
      if (error.code === "ENOENT") throw new Error("openssl is not installed: the end-to-end tests make their TLS certificates with it (Debian: apt-get install openssl).");
      throw new Error(`openssl ${args[0]} failed: ${error.stderr}`);
    }
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cwiq-vault-ci-access e2e CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
  openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
  const file = (name: string) => join(dir, name);
  return {
    caFile: file("ca.pem"),
    ca: readFileSync(file("ca.pem"), "utf8"),
    certFile: file("server.pem"),
    keyFile: file("server.key"),
    cert: readFileSync(file("server.pem"), "utf8"),
    key: readFileSync(file("server.key"), "utf8"),
  };
}
