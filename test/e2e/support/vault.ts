/**
 * A real Vault server for the end-to-end tests: `vault server -dev` (in-memory storage, unsealed, KV v2 at secret/)
 * on 127.0.0.1 with free ports and a random root token, an https listener with the run's test certificate beside the
 * dev listener, started and stopped by the tests; and a small client for its HTTP API.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { freePort, startProcess, waitUntil, type ManagedProcess } from "./processes";
import type { TestTls } from "./tls";

export interface VaultResponse {
  readonly status: number;
  /** The parsed JSON body (Vault answers JSON, or nothing with 204). */
  readonly body: any;
}

/** Vault's HTTP API over https, trusting the run's CA. */
export class VaultApi {
  constructor(
    readonly url: string,
    /** Trusts the run's CA; shared by every copy made by withToken. */
    private readonly agent: Agent,
    readonly token?: string,
  ) {}

  static connect(url: string, ca: string, token?: string): VaultApi {
    return new VaultApi(url, new Agent({ ca, keepAlive: true }), token);
  }

  /** The same API with another token (or none). */
  withToken(token: string | undefined): VaultApi {
    return new VaultApi(this.url, this.agent, token);
  }

  request(method: string, path: string, body?: unknown): Promise<VaultResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.url}/v1/${path.replace(/^\/+/, "")}`,
        {
          method,
          agent: this.agent,
          headers: { ...(this.token ? { "X-Vault-Token": this.token } : {}), ...(payload ? { "Content-Type": "application/json" } : {}) },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); otherwise an error naming the call and Vault's answer (never the body sent). */
  async must(method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.request(method, path, body);
    if (res.status < 200 || res.status > 299) throw new Error(`Vault ${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body?.errors ?? res.body)}`);
    return res.body;
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface VaultServer {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The root token (random per run; never printed). */
  readonly rootToken: string;
  /** Vault's own version, from sys/health. */
  readonly version: string;
  readonly process: ManagedProcess;
  /** A client with the root token. */
  readonly root: VaultApi;
  stop(): Promise<void>;
}

/**
 * Starts `bin` in dev mode. `env` is given to the server (for example SSL_CERT_FILE, so that it trusts the fake GitLab
 * of the run). Generous start timeout: a loaded 2-core machine can take tens of seconds.
 */
export async function startVault(options: { bin: string; dir: string; tls: TestTls; env?: NodeJS.ProcessEnv; startTimeoutMs?: number }): Promise<VaultServer> {
  // Not "hvs."-prefixed: Vault refuses a custom token id with its own service-token prefix ("invalid request").
  const rootToken = `e2e-root-${randomBytes(18).toString("base64url")}`;
  const [devPort, port] = [await freePort(), await freePort()];
  const config = join(options.dir, "vault-listener.hcl");
  writeFileSync(
    config,
    `listener "tcp" {\n  address       = "127.0.0.1:${port}"\n  tls_cert_file = "${options.tls.certFile}"\n  tls_key_file  = "${options.tls.keyFile}"\n}\n`,
  );
  const process_ = startProcess("vault", options.bin, ["server", "-dev", `-dev-listen-address=127.0.0.1:${devPort}`, `-config=${config}`], {
    logFile: join(options.dir, "vault.log"),
    env: {
      PATH: process.env.PATH,
      HOME: options.dir, // dev mode writes the root token to ~/.vault-token
      VAULT_DEV_ROOT_TOKEN_ID: rootToken, // the environment, not the command line that ps shows
      ...options.env,
    },
  });
  const url = `https://127.0.0.1:${port}`;
  const root = VaultApi.connect(url, options.tls.ca, rootToken);
  let version = "";
  try {
    await waitUntil(
      "starting Vault",
      process_,
      async () => {
        const health = await root.request("GET", "sys/health");
        version = health.body?.version ?? "";
        return health.status === 200;
      },
      options.startTimeoutMs ?? 120_000,
    );
  } catch (error) {
    await process_.stop();
    throw error;
  }
  return {
    url,
    rootToken,
    version,
    process: process_,
    root,
    async stop() {
      root.close();
      await process_.stop();
    },
  };
}
