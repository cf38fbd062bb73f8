// .ci/plan-guard.jq: what the pipeline refuses between `terraform plan` and `terraform apply`. Run with the real jq on
// plans in Terraform's JSON output format (the same shape `terraform show -json` prints; the end-to-end suite runs it on
// real plans too).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const GUARD = join(__dirname, "..", ".ci", "plan-guard.jq");
const SECRET = "vault_kv_secret_v2.svc-executor";

interface Change {
  address: string;
  actions: string[];
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

function plan(...changes: Change[]) {
  return {
    format_version: "1.2",
    configuration: {
      root_module: {
        resources: [
          { address: SECRET, mode: "managed", type: "vault_kv_secret_v2", name: "svc-executor", expressions: { data_json_wo: { references: ["var.svc_executor_password"] } } },
        ],
      },
    },
    resource_changes: changes.map(({ address, actions, before = null, after = null }) => {
      const [type, rest] = [address.slice(0, address.indexOf(".")), address.slice(address.indexOf(".") + 1)];
      const name = rest.replace(/\[.*\]$/, "");
      return { address, mode: "managed", type, name, change: { actions, before, after } };
    }),
  };
}

function guard(input: object, env: Record<string, string> = {}) {
  // Only PATH from the outside: an operator's exported TF_VAR_* must not change what the test sees.
  const run = spawnSync("jq", ["-r", "-f", GUARD], { input: JSON.stringify(input), env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
  return { status: run.status, out: run.stdout.trim(), err: run.stderr.trim() };
}

const version = (v: number) => ({ data_json_wo_version: v, disable_read: true });

describe("the plan guard", () => {
  it("passes a plan that changes no secret, with no password variable set", () => {
    const result = guard(plan({ address: "vault_policy.kv-read_secret_nexus_svc-executor", actions: ["update"], before: { policy: "a" }, after: { policy: "b" } }, { address: SECRET, actions: ["no-op"], before: version(1), after: version(1) }));
    expect(result).toEqual({ status: 0, out: "plan-guard: ok (1 changes checked)", err: "" });
  });

  it.each([
    ["a deleted secret", SECRET, ["delete"]],
    ["a replaced secret", SECRET, ["delete", "create"]],
    ["a replaced auth method", "vault_jwt_auth_backend.jwt", ["create", "delete"]],
    ["a deleted KV mount", "vault_mount.kv", ["delete"]],
    ["a deleted account guard instance", 'terraform_data.account_guard["svc-old"]', ["delete"]],
  ])("refuses %s, by address", (_what, address, actions) => {
    const result = guard(plan({ address, actions, before: {}, after: actions.includes("create") ? {} : null }));
    expect(result.status).toBe(5);
    expect(result.err).toContain(`plan-guard: ${address}: would be destroyed (${actions.join(", ")})`);
    expect(result.err).toContain("plan-guard: refused, nothing may be applied from this plan");
  });

  it("lets a role or a policy go: removing access is what a data change may do", () => {
    expect(guard(plan({ address: "vault_jwt_auth_backend_role.old-ci", actions: ["delete"], before: {}, after: null })).status).toBe(0);
  });

  it("refuses a rotation without its password variable, naming the variable, and passes it with the variable set", () => {
    const rotation = plan({ address: SECRET, actions: ["update"], before: version(1), after: version(2) });
    const refused = guard(rotation);
    expect(refused.status).toBe(5);
    expect(refused.err).toContain(`plan-guard: ${SECRET}: is rotated to version 2 but TF_VAR_svc_executor_password is not set`);
    expect(guard(rotation, { TF_VAR_svc_executor_password: "x".repeat(20) })).toMatchObject({ status: 0, err: "" });
  });

  it("refuses a new secret without its password variable", () => {
    const refused = guard(plan({ address: SECRET, actions: ["create"], before: null, after: version(1) }), { TF_VAR_svc_executor_password: "" });
    expect(refused.err).toContain(`plan-guard: ${SECRET}: is created but TF_VAR_svc_executor_password is not set`);
  });

  it("never prints a password variable's value", () => {
    const value = "canary-value-plan-guard-91";
    const result = guard(plan({ address: SECRET, actions: ["update"], before: version(1), after: version(1) }), { TF_VAR_svc_executor_password: value });
    expect(result.out + result.err).not.toContain(value);
  });

  it("refuses an update of a secret that does not raise its version (an empty write, provider #2588)", () => {
    const result = guard(plan({ address: SECRET, actions: ["update"], before: { ...version(1), custom_metadata: [] }, after: { ...version(1), custom_metadata: [{ max_versions: 5 }] } }), { TF_VAR_svc_executor_password: "x".repeat(20) });
    expect(result.status).toBe(5);
    expect(result.err).toContain(`plan-guard: ${SECRET}: an update without a new data_json_wo_version would write an empty secret`);
  });

  it("lists every problem of a plan, not only the first", () => {
    const result = guard(plan({ address: SECRET, actions: ["update"], before: version(1), after: version(2) }, { address: "vault_mount.kv", actions: ["delete"], before: {}, after: null }));
    expect(result.err.split("\n").filter((l) => l.startsWith("plan-guard: ") && !l.includes("refused"))).toHaveLength(2);
  });
});

describe("the pipeline", () => {
  it("runs the plan guard on every saved plan, right after the plan", () => {
    const jobs = parse(readFileSync(join(__dirname, "..", ".gitlab-ci.yml"), "utf8").replace(/!reference/g, ""));
    for (const job of ["plan:merge-request", "plan:default-branch"]) {
      const script: string[] = jobs[job].script;
      const planAt = script.findIndex((line) => line.startsWith("terraform plan "));
      expect([job, script[planAt + 1]]).toEqual([job, 'terraform show -json plan.cache | jq -r -f "$CI_PROJECT_DIR/.ci/plan-guard.jq"']);
    }
  });
});
