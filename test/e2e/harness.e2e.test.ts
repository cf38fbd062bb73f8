/**
 * The end-to-end harness itself: the Vault server's life cycle (no process left behind), the OIDC issuer's documents
 * and tokens, and the fake GitLab Terraform state API driven by the real engines' http backend (terraform and
 * OpenTofu: init, apply, plan, wrong credentials).
 */
import { spawn } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import { startFakeGitlab, JWKS_PATH, type FakeGitlab } from "./support/fake-gitlab";
import { startProcess } from "./support/processes";
import { run } from "./support/run";
import { makeTestTls, type TestTls } from "./support/tls";
import { startVault } from "./support/vault";
import { randomSecret } from "./support/e2e";

let dir: string;
let tls: TestTls;
beforeAll(() => {
  dir = mkdtempSync(join(process.env.E2E_RUN_DIR!, "harness-"));
  tls = makeTestTls(dir);
});

const alive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 120 && !check(); i++) await new Promise((r) => setTimeout(r, 500));
  if (!check()) throw new Error(`still not the case after 60 s: ${what}`);
}

function getJson(url: string): Promise<any> {
  return new Promise((resolve, reject) => {
    get(url, { ca: tls.ca }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(JSON.parse(text)));
    }).on("error", reject);
  });
}

describe("the Vault dev server", () => {
  it("starts on 127.0.0.1 over https with a random root token per start, and stops with its whole process group", async () => {
    const starts = [];
    for (const name of ["a", "b"]) {
      const vaultDir = join(dir, `vault-${name}`);
      mkdirSync(vaultDir);
      starts.push(await startVault({ bin: process.env.E2E_VAULT_BIN!, dir: vaultDir, tls }));
    }
    const [a, b] = starts;
    try {
      expect(a.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(a.url).not.toBe(b.url);
      expect(a.rootToken).not.toBe(b.rootToken);
      // the version the binary was built from (the pin in test/e2e/tools/vault/go.mod)
      expect(`github.com/hashicorp/vault v${a.version}`).toBe(process.env.E2E_VAULT_BUILT_FROM);
      const self = await a.root.must("GET", "auth/token/lookup-self");
      expect(self.data.policies).toEqual(["root"]);
      expect((await a.root.withToken(b.rootToken).request("GET", "auth/token/lookup-self")).status).toBe(403);
      // dev mode: the KV v2 mount the stack expects (manageKvMount false) exists
      expect((await a.root.must("GET", "sys/mounts")).data["secret/"]).toMatchObject({ type: "kv", options: { version: "2" } });
    } finally {
      await a.stop();
      await b.stop();
    }
    expect([alive(a.process.pgid), alive(b.process.pgid)]).toEqual([false, false]);
    await expect(a.root.request("GET", "sys/health")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("is ended by its watchdog when the process that started it is gone (a killed test run leaves nothing)", async () => {
    const owner = spawn("sleep", ["600"], { stdio: "ignore" });
    const server = startProcess("sleep-server", "sleep", ["600"], { env: { PATH: process.env.PATH }, logFile: join(dir, "watchdog.log"), watchPid: owner.pid });
    await eventually(() => alive(server.pgid), "the managed process runs");
    owner.kill("SIGKILL");
    await eventually(() => server.exited() && !alive(server.pgid), "the managed process group is gone after its owner was killed");
    await server.stop();
  });
});

describe("the fake GitLab's OIDC issuer", () => {
  let gitlab: FakeGitlab;
  beforeAll(async () => (gitlab = await startFakeGitlab({ tls, stateToken: randomSecret() })));
  afterAll(() => gitlab.close());

  it("publishes GitLab's discovery document and one RS256 key, over https with the run's CA", async () => {
    const discovery = await getJson(`${gitlab.url}/.well-known/openid-configuration`);
    expect(discovery).toMatchObject({ issuer: gitlab.url, jwks_uri: `${gitlab.url}${JWKS_PATH}`, id_token_signing_alg_values_supported: ["RS256"] });
    const { keys } = await getJson(discovery.jwks_uri);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String) });
  });

  it("signs ID tokens with GitLab's claim set that verify with the published key; the second key's do not", async () => {
    const { keys } = await getJson(`${gitlab.url}${JWKS_PATH}`);
    const key = createPublicKey({ key: keys[0], format: "jwk" });
    const claims = gitlab.jobClaims();
    const verifies = (jwt: string) => {
      const [header, payload, signature] = jwt.split(".");
      return verify("sha256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url"));
    };
    const jwt = gitlab.sign(claims);
    expect(JSON.parse(Buffer.from(jwt.split(".")[0], "base64url").toString())).toEqual({ alg: "RS256", typ: "JWT", kid: keys[0].kid });
    expect(JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString())).toEqual(claims);
    expect(verifies(jwt)).toBe(true);
    expect(verifies(gitlab.sign(claims, "unpublished"))).toBe(false);
    for (const claim of ["namespace_id", "namespace_path", "project_id", "project_path", "user_id", "user_login", "user_email", "pipeline_id", "pipeline_source", "job_id", "ref", "ref_type", "ref_protected", "environment", "iss", "sub", "aud", "iat", "nbf", "exp", "jti"]) {
      expect([claim, claims[claim]]).toEqual([claim, expect.anything()]);
    }
    expect(claims).toMatchObject({ namespace_id: "9", iss: gitlab.url, sub: "project_path:orchestrator/platform:ref_type:branch:ref:main" });
    expect(gitlab.jobClaims({ namespace_id: "10" }, ["jti"])).toMatchObject({ namespace_id: "10" });
    expect(gitlab.jobClaims({}, ["namespace_id"])).not.toHaveProperty("namespace_id");
  });
});

describe("the fake GitLab's Terraform state API, used by the real engines' http backend", () => {
  const engines = Object.entries(JSON.parse(process.env.E2E_ENGINES ?? "{}") as Record<string, string>);
  const token = randomSecret();
  let gitlab: FakeGitlab;
  beforeAll(async () => (gitlab = await startFakeGitlab({ tls, stateToken: token })));
  afterAll(() => gitlab.close());

  it("has an engine to run (OpenTofu is always built; terraform when installed)", () => {
    expect(engines.map(([name]) => name)).toContain("tofu");
  });

  /** GitLab's documented http backend settings, as environment variables (docs: Terraform state, "terraform init"). */
  function engineEnv(name: string, password: string): NodeJS.ProcessEnv {
    const address = `${gitlab.url}/api/v4/projects/42/terraform/state/${name}`;
    const cliConfig = join(dir, "empty.tfrc");
    writeFileSync(cliConfig, "");
    return {
      PATH: process.env.PATH,
      HOME: dir,
      SSL_CERT_FILE: tls.caFile,
      TF_CLI_CONFIG_FILE: cliConfig,
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      TF_HTTP_ADDRESS: address,
      TF_HTTP_LOCK_ADDRESS: `${address}/lock`,
      TF_HTTP_UNLOCK_ADDRESS: `${address}/lock`,
      TF_HTTP_LOCK_METHOD: "POST",
      TF_HTTP_UNLOCK_METHOD: "DELETE",
      TF_HTTP_USERNAME: "gitlab-ci-token",
      TF_HTTP_PASSWORD: password,
      TF_HTTP_RETRY_WAIT_MIN: "1",
      TF_HTTP_RETRY_MAX: "1",
    };
  }

  it.each(engines)("%s: init, apply and plan keep the state there, locked while written, with basic auth", async (name, bin) => {
    const work = mkdtempSync(join(dir, `${name}-`));
    writeFileSync(join(work, "main.tf"), 'terraform {\n  backend "http" {}\n}\n\nresource "terraform_data" "probe" {\n  input = "e2e"\n}\n');
    const env = engineEnv(name, token);
    const step = async (...args: string[]) => {
      const result = await run(bin, args, { env, cwd: work });
      expect([args.join(" "), result.code, result.code === 0 ? "" : result.stderr]).toEqual([args.join(" "), 0, ""]);
      return result;
    };
    await step("init", "-input=false", "-no-color");
    await step("apply", "-input=false", "-auto-approve", "-no-color");
    const plan = await step("plan", "-input=false", "-no-color", "-detailed-exitcode");
    expect(plan.stdout).toMatch(/No changes/);

    const state = gitlab.states.get(`42/${name}`)!;
    expect(state.lock).toBeUndefined();
    expect(JSON.parse(state.body!).resources).toEqual([expect.objectContaining({ type: "terraform_data", name: "probe" })]);
    const mine = gitlab.requests.filter((r) => r.path.endsWith(`/terraform/state/${name}`) || r.path.endsWith(`/terraform/state/${name}/lock`));
    expect(mine.every((r) => r.user === "gitlab-ci-token" && r.authorized)).toBe(true);
    const calls = mine.map((r) => `${r.method} ${r.path.endsWith("/lock") ? "lock" : "state"}`);
    // apply: lock, read, write (with the lock's id), unlock
    const write = mine.findIndex((r) => r.method === "POST" && !r.path.endsWith("/lock"));
    expect(calls.slice(0, write + 2)).toEqual(expect.arrayContaining(["POST lock", "GET state", "POST state", "DELETE lock"]));
    expect(calls.indexOf("POST lock")).toBeLessThan(write);
    expect(calls.indexOf("DELETE lock", write)).toBeGreaterThan(write);
    expect(new URLSearchParams(mine[write].query).get("ID")).toMatch(/\S/);
  });

  it.each(engines)("%s: a wrong token is refused by the state API (401) and the engine stops", async (name, bin) => {
    const work = mkdtempSync(join(dir, `${name}-denied-`));
    writeFileSync(join(work, "main.tf"), 'terraform {\n  backend "http" {}\n}\n');
    const env = engineEnv(`${name}-denied`, "not-the-token");
    await run(bin, ["init", "-input=false", "-no-color"], { env, cwd: work });
    const plan = await run(bin, ["plan", "-input=false", "-no-color", "-lock=false"], { env, cwd: work });
    expect(plan.code).not.toBe(0);
    expect(plan.stderr).toMatch(/requires auth|401/);
    expect(gitlab.requests.some((r) => r.path.includes(`${name}-denied`) && !r.authorized)).toBe(true);
  });
});
