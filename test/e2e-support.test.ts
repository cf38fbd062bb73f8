/**
 * The pure parts of the end-to-end support, without servers (they run in `npm test`): the provider stand-in's
 * mapping of resources to Vault API calls (each as terraform-provider-vault v5.6.0 makes it), the expressions it
 * evaluates, and the tool build script's failure messages.
 */
import { evaluateString, ExpressionError } from "./e2e/support/hcl-expressions";
import { planStack, type StackJson } from "./e2e/support/provider-standin";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ROOT } from "./support/data";
import { logTail } from "./e2e/support/log-tail";

/** scripts/e2e-tools.mjs's explainBuildFailure for each go output, in one Node of its own (jest here loads no ES modules). */
function explainBuildFailures(program: { name: string; pkg: string }, outputs: string[]): string[] {
  const script = `const { explainBuildFailure } = await import(${JSON.stringify(join(ROOT, "scripts", "e2e-tools.mjs"))}); const [program, outputs] = JSON.parse(process.argv[1]); process.stdout.write(JSON.stringify(outputs.map((o) => explainBuildFailure(program, o))));`;
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify([program, outputs])], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

/** A stack in the forms the synth writes (test/stack.test.ts has the default stack itself). */
function stack(): StackJson & { resource: Record<string, Record<string, any>> } {
  return {
    variable: { svc_a_password: { default: null } },
    resource: {
      gitlab_group_variable: { VAULT_ADDR: { key: "VAULT_ADDR", value: "https://vault.example" } },
      vault_jwt_auth_backend: { jwt: { "//": { metadata: {} }, path: "jwt", type: "jwt", description: "d", oidc_discovery_url: "https://gitlab.example", bound_issuer: "https://gitlab.example", lifecycle: { prevent_destroy: true } } },
      vault_policy: { p: { name: "kv-read.secret.a", policy: 'path "secret/data/a" {\n  capabilities = ["read"]\n}\n' } },
      vault_jwt_auth_backend_role: {
        r: {
          backend: "${vault_jwt_auth_backend.jwt.path}",
          role_name: "r",
          role_type: "jwt",
          bound_audiences: ["https://gitlab.example"],
          bound_claims: { namespace_id: "9", ref: "main, release" },
          bound_claims_type: "string",
          claim_mappings: { ref: "ref" },
          user_claim: "project_id",
          token_policies: ["kv-read.secret.a"],
          token_ttl: 900,
          token_max_ttl: 1800,
          token_num_uses: 20,
          token_no_default_policy: true,
        },
      },
      vault_kv_secret_v2: {
        a: {
          mount: "secret",
          name: "nexus/svc-a",
          data_json_wo: '${var.svc_a_password == null ? null : jsonencode({ username = "svc-a", password = var.svc_a_password })}',
          data_json_wo_version: 1,
          disable_read: true,
          custom_metadata: { data: { managed_by: "terraform" }, max_versions: 10 },
        },
      },
    },
  };
}

const PASSWORD = ["pw", "0123456789abcdef"].join("-");

describe("the provider stand-in (terraform-provider-vault v5.6.0's Create calls)", () => {
  const calls = (tf = stack(), variables: Record<string, string> = { svc_a_password: PASSWORD }) =>
    planStack(tf, variables).resources.flatMap((r) => r.calls.map((c) => ({ address: r.address, ...c })));

  it("enables the auth method, then writes its config with namespace_in_state (the provider's default true)", () => {
    expect(calls().slice(0, 2)).toEqual([
      { address: "vault_jwt_auth_backend.jwt", method: "POST", path: "sys/auth/jwt", body: { type: "jwt", description: "d", local: false, config: {}, seal_wrap: false, external_entropy_access: false } },
      { address: "vault_jwt_auth_backend.jwt", method: "POST", path: "auth/jwt/config", body: { oidc_discovery_url: "https://gitlab.example", bound_issuer: "https://gitlab.example", namespace_in_state: true } },
    ]);
  });

  it("writes the role at the backend's path, splitting each bound claim on commas, with the provider's defaults", () => {
    const role = calls().find((c) => c.address.startsWith("vault_jwt_auth_backend_role"))!;
    expect(role.path).toBe("auth/jwt/role/r");
    expect(role.body).toEqual({
      role_type: "jwt",
      bound_audiences: ["https://gitlab.example"],
      bound_claims: { namespace_id: ["9"], ref: ["main", "release"] },
      bound_claims_type: "string",
      claim_mappings: { ref: "ref" },
      user_claim: "project_id",
      user_claim_json_pointer: false,
      token_policies: ["kv-read.secret.a"],
      token_ttl: 900,
      token_max_ttl: 1800,
      token_num_uses: 20,
      token_no_default_policy: true,
      token_type: "default",
      clock_skew_leeway: 0,
      expiration_leeway: 0,
      not_before_leeway: 0,
      verbose_oidc_logging: false,
    });
  });

  it("writes the policy text, and the secret's data from data_json_wo with the password variable, then its metadata", () => {
    expect(calls().filter((c) => !c.address.includes("jwt"))).toEqual([
      { address: "vault_policy.p", method: "PUT", path: "sys/policies/acl/kv-read.secret.a", body: { policy: stack().resource.vault_policy.p.policy } },
      { address: "vault_kv_secret_v2.a", method: "POST", path: "secret/data/nexus/svc-a", body: { data: { username: "svc-a", password: PASSWORD }, cas: 0, options: {} } },
      { address: "vault_kv_secret_v2.a", method: "POST", path: "secret/metadata/nexus/svc-a", body: { max_versions: 10, custom_metadata: { managed_by: "terraform" } } },
    ]);
  });

  it("refuses to create a secret without its password (the provider's create would fail on a null data_json_wo)", () => {
    expect(() => calls(stack(), {})).toThrow(/vault_kv_secret_v2\.a: data_json_wo is null \(its password variable is not set\)/);
  });

  it("refuses what it does not model instead of skipping it: an unknown resource type, an unknown argument, import blocks", () => {
    const withMount = stack();
    withMount.resource.vault_mount = { kv: { path: "secret", type: "kv-v2" } };
    expect(() => calls(withMount)).toThrow(/does not know resource type\(s\) vault_mount/);
    const withTune = stack();
    withTune.resource.vault_jwt_auth_backend.jwt.tune = [{ default_lease_ttl: "1h" }];
    expect(() => calls(withTune)).toThrow(/vault_jwt_auth_backend\.jwt: the provider stand-in does not map argument\(s\) tune/);
    expect(() => planStack({ ...stack(), import: [{ to: "x", id: "y" }] }, {})).toThrow(/does not model adoption/);
  });

  it("lists the GitLab resources as not applied", () => {
    expect(planStack(stack(), { svc_a_password: PASSWORD }).notApplied).toEqual(["gitlab_group_variable.VAULT_ADDR"]);
  });
});

describe("the expressions the stand-in evaluates", () => {
  const scope = { variable: (name: string) => ({ x: "v", n: null })[name], resource: (t: string, n: string, a: string) => `${t}/${n}/${a}` };

  it.each([
    ["plain text", "plain text"],
    ["${var.x}", "v"],
    ["${var.n == null ? null : var.x}", null],
    ['${var.x == "v" && !(var.n != null) || false}', true],
    ['${jsonencode({ a = "b\\"c", "k" = var.x, n = 1 })}', '{"a":"b\\"c","k":"v","n":1}'],
    ["${a_b.c.d}", "a_b/c/d"],
    ["pre-${var.x}-post", "pre-v-post"],
    ["$${literal}", "${literal}"],
  ])("%s", (text, value) => {
    expect(evaluateString(text, scope)).toEqual(value);
  });

  it.each([
    ["${try(var.x, 1)}", /function try\(\) is not supported/],
    ["${var.missing}", /variable missing is not declared/],
    ["${local.a}", /reference local\.a is not supported/],
    ["${var.x", /expected "}"/],
  ])("refuses %s", (text, message) => {
    expect(() => evaluateString(text, scope)).toThrow(ExpressionError);
    expect(() => evaluateString(text, scope)).toThrow(message);
  });
});

describe("the e2e tool build's failure messages (scripts/e2e-tools.mjs)", () => {
  const program = { name: "vault", pkg: "github.com/hashicorp/vault" };
  const outputs = {
    refused: "go: github.com/openbao/openbao@v0.0.0-20260818154305-dd9c19c37a87: reading https://proxy.golang.org/github.com/openbao/openbao/@v/v0.0.0-20260818154305-dd9c19c37a87.info: 403 Forbidden\n",
    goSum: "missing go.sum entry for module providing package x",
    other: "some compile error",
  };
  let messages: Record<keyof typeof outputs, string>;
  beforeAll(() => {
    const explained = explainBuildFailures(program, Object.values(outputs));
    messages = Object.fromEntries(Object.keys(outputs).map((k, i) => [k, explained[i]])) as typeof messages;
  });

  it("names a module the registry refused, and where to change the pin", () => {
    expect(messages.refused).toBe(
      "the Go module registry refused github.com/openbao/openbao@v0.0.0-20260818154305-dd9c19c37a87 while building vault (github.com/hashicorp/vault). Change the pin in test/e2e/tools/vault/go.mod to a version the registry serves, or point GOPROXY at one that serves it.",
    );
  });

  it("says to run go mod tidy when go.sum lacks an entry", () => {
    expect(messages.goSum).toMatch(/go\.sum is incomplete .*run `go mod tidy` in test\/e2e\/tools\/vault/);
  });

  it("falls back to naming the build", () => {
    expect(messages.other).toBe("go build of github.com/hashicorp/vault failed (test/e2e/tools/vault).");
  });
});

describe("the server log tail a failing e2e test prints", () => {
  it("keeps the error lines and the last lines, with the dev server's root token and unseal key redacted", () => {
    const file = join(mkdtempSync(join(tmpdir(), "log-tail-")), "vault.log");
    const token = ["hvs", "e2e-secret-token"].join(".");
    writeFileSync(file, `Error initializing Dev mode: x\n==> Vault server started!\nUnseal Key: c2VjcmV0LXVuc2VhbA==\nRoot Token: ${token}\nline 4\nline 5\n`);
    expect(logTail(file, 3)).toBe("(error lines before the last lines:)\nError initializing Dev mode: x\n(last lines:)\nRoot Token: (redacted)\nline 4\nline 5");
    expect(logTail(file)).toContain("Unseal Key: (redacted)");
    expect(logTail(file)).not.toContain(token);
    expect(logTail(join(tmpdir(), "no-such-log"))).toBe("(no log)");
  });
});
