import { diffStacks } from "../lib/stack-diff";
import { configFrom, defaultData, synthStack } from "./support/fixtures";

const account = (data: any, name: string) => data.accounts.find((a: any) => a.name === name);

describe("rotating svc-executor (passwordVersion 1 -> 2)", () => {
  const before = synthStack();
  const data = defaultData();
  account(data, "svc-executor").passwordVersion = 2;
  const after = synthStack(configFrom(data));

  it("changes data_json_wo_version of that one secret and nothing else in the whole stack", () => {
    expect(diffStacks(before, after)).toEqual({
      added: [],
      removed: [],
      changed: [{ address: "vault_kv_secret_v2.svc-executor", attributes: ["data_json_wo_version"] }],
    });
    expect(after.resource.vault_kv_secret_v2["svc-executor"].data_json_wo_version).toBe(2);
    const back = structuredClone(after);
    back.resource.vault_kv_secret_v2["svc-executor"].data_json_wo_version = 1;
    expect(back).toEqual(before);
  });

  it("keeps the password write-only: only a reference to the ephemeral variable, never data_json, never read back", () => {
    const secret = after.resource.vault_kv_secret_v2["svc-executor"];
    expect(secret).not.toHaveProperty("data_json");
    expect(secret.data_json_wo).toBe(before.resource.vault_kv_secret_v2["svc-executor"].data_json_wo);
    expect(secret.data_json_wo).toMatch(/password = var\.svc_executor_password \}\)\}$/);
    expect(secret.disable_read).toBe(true);
    expect(after.variable.svc_executor_password).toMatchObject({ sensitive: true, ephemeral: true });
  });

  it("keeps the previous versions for rollback: max_versions is pinned on the secret, whatever the mount says", () => {
    expect(after.resource.vault_kv_secret_v2["svc-executor"].custom_metadata.max_versions).toBe(10);
  });
});

describe("access changes never touch a secret (the provider would rewrite its data on any update)", () => {
  it("leaves every vault_kv_secret_v2 unchanged when an account's readers, usedBy and permissions change", () => {
    const data = defaultData();
    data.roles.push({ name: "executor-ci", audiences: ["https://gitlab.shared.cwiq.io"], boundClaims: { project_id: "77" } });
    const before = synthStack(configFrom(data));
    Object.assign(account(data, "svc-executor"), { readers: ["nexus-ci", "executor-ci"], usedBy: "executor CI", permissions: ["rpm:read-write"] });
    const diff = diffStacks(before, synthStack(configFrom(data)));
    expect(diff.changed.map((c) => c.address)).toContain("vault_jwt_auth_backend_role.executor-ci");
    expect([...diff.added, ...diff.removed, ...diff.changed.map((c) => c.address)].filter((a) => a.startsWith("vault_kv_secret_v2."))).toEqual([]);
  });
});
