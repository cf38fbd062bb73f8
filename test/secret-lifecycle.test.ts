import { ConfigError, parseDataFile } from "../lib/config";
import { checkInMemory } from "../lib/synth";
import { diffStacks } from "../lib/stack-diff";
import { importsNeverReadSecrets } from "../rules/adoption";
import { summarize } from "../lib/cli";
import { configFrom, defaultData, synthStack } from "./support/fixtures";
import { stringify } from "yaml";

// When Terraform writes a Nexus account's password: at creation, at a rotation (passwordVersion raised), and never
// in adoption mode or on an access change.

/** The default CWIQ data as production has it: every account's password set by hand (passwordVersion 0). */
function handSetData(adopt: unknown = true): any {
  const data = defaultData();
  data.adopt = adopt;
  for (const account of data.accounts) account.passwordVersion = 0;
  return data;
}

/** Rule ids and paths of the guardrail violations for `data` (the real pack, in memory). */
function violationsOf(data: unknown): string[] {
  const { report } = checkInMemory(parseDataFile(stringify(data), "access.yaml"));
  return report.violations.map((v) => `${v.rule.id} ${v.path}: ${v.message}`);
}

const POLICIES = [
  "defectdojo.svc-orchestrator",
  "nexus.svc-deployer",
  "nexus.svc-executor",
  "nexus.svc-orchestrator",
  "orchestrator.e2e-test-user",
  "reportportal.svc-orchestrator",
  "sonarqube.svc-orchestrator",
].map((path) => `kv-read.secret.${path}`);

describe("adoption mode on CWIQ's data (adopt: true, hand-set passwords)", () => {
  const json = synthStack(configFrom(handSetData()));

  it("imports the JWT backend, its role, every policy and VAULT_ADDR, with the ids from the providers' docs", () => {
    expect(json.import).toEqual([
      { to: "gitlab_group_variable.VAULT_ADDR", id: "9:VAULT_ADDR:*" },
      { to: "vault_jwt_auth_backend.jwt", id: "jwt" },
      { to: "vault_jwt_auth_backend_role.nexus-ci", id: "auth/jwt/role/nexus-ci" },
      ...POLICIES.map((name) => ({ to: `vault_policy.${name.replace(/\./g, "_")}`, id: name })),
    ]);
  });

  it("writes no secret: no KV secret resource, no password variable, nothing to import into state", () => {
    expect(json.resource).not.toHaveProperty("vault_kv_secret_v2");
    expect(json).not.toHaveProperty("variable");
    expect(JSON.stringify(json.import)).not.toContain("vault_kv_secret_v2");
  });

  it("keeps CI reading the hand-set secrets: their policies stay on nexus-ci", () => {
    expect(json.resource.vault_jwt_auth_backend_role["nexus-ci"].token_policies).toContain("kv-read.secret.nexus.svc-orchestrator");
    expect(json.resource.vault_policy["kv-read_secret_nexus_svc-orchestrator"].policy).toContain('path "secret/data/nexus/svc-orchestrator"');
  });

  it("adds only the import blocks: turning adoption off afterwards changes nothing else", () => {
    expect(diffStacks(synthStack(configFrom(handSetData(false))), json)).toEqual({ added: ["import"], removed: [], changed: [] });
  });

  it("passes every guardrail", () => {
    expect(violationsOf(handSetData())).toEqual([]);
  });
});

describe("adoption variations", () => {
  it("creates instead of importing the addresses listed in adopt.create", () => {
    const created = "vault_policy.kv-read_secret_nexus_svc-deployer";
    const json = synthStack(configFrom(handSetData({ create: [created] })));
    expect(json.import.map((block: { to: string }) => block.to)).not.toContain(created);
    expect(json.import).toHaveLength(9);
    expect(json.resource.vault_policy).toHaveProperty("kv-read_secret_nexus_svc-deployer");
  });

  it("imports a managed KV mount by its path", () => {
    const data = handSetData();
    data.vault.manageKvMount = true;
    expect(synthStack(configFrom(data)).import).toContainEqual({ to: "vault_mount.kv_secret", id: "secret" });
  });

  it("ends adoption of an account with its first rotation: passwordVersion 0 -> 1 adds its secret and variable, nothing else", () => {
    const data = handSetData(false);
    const before = synthStack(configFrom(data));
    data.accounts[1].passwordVersion = 1;
    expect(diffStacks(before, synthStack(configFrom(data)))).toEqual({ added: ["var.svc_executor_password", "vault_kv_secret_v2.svc-executor"], removed: [], changed: [] });
  });

  it("says in the synth summary how many objects are imported and whose passwords stay as set by hand", () => {
    const config = configFrom(handSetData({ create: ["vault_policy.kv-read_secret_nexus_svc-deployer"] }));
    const summary = summarize("access.yaml", config, { kind: "local" }, { outdir: "o", stackFile: "o/s.json", report: { violations: [], suppressed: [] }, imports: 9 });
    expect(summary).toContain("password set by hand, not written until rotated (passwordVersion 0): svc-orchestrator, svc-executor, svc-deployer");
    expect(summary).toContain("adopt     9 existing objects imported, not created; created: vault_policy.kv-read_secret_nexus_svc-deployer");
  });

  it("emits no import block without adopt", () => {
    expect(synthStack()).not.toHaveProperty("import");
  });
});

describe("adoption guardrails", () => {
  it("ADOPT-001 rejects adoption with an account whose password would be written, and accepts a written reason for a new one", () => {
    const data = handSetData();
    data.accounts[1].passwordVersion = 1;
    expect(violationsOf(data)).toEqual([
      "ADOPT-001 accounts[1].passwordVersion: is 1: the first apply would write a new password to secret/nexus/svc-executor, replacing the one in production",
    ]);
    data.accounts[1].suppress = [{ rule: "ADOPT-001", reason: "new account: no secret exists in production yet" }];
    expect(violationsOf(data)).toEqual([]);
  });

  it("ADOPT-003 rejects an adopt.create entry that names no resource of the stack", () => {
    expect(violationsOf(handSetData({ create: ["vault_policy.nexus-read-policy"] }))).toEqual([
      'ADOPT-003 adopt.create[0]: "vault_policy.nexus-read-policy" is not a resource of this stack',
    ]);
  });

  it("ADOPT-002 passes import blocks on declared resources and rejects one on a KV secret or on nothing", () => {
    const config = configFrom(handSetData());
    const tf = { resource: { vault_policy: { p: {} }, vault_kv_secret_v2: { "svc-x": {} } } };
    const check = (imports: { to: string; id: string }[]) => importsNeverReadSecrets.check({ file: "f", config, data: {}, tf: { ...tf, import: imports } });
    expect(check([{ to: "vault_policy.p", id: "p" }])).toEqual([]);
    expect(check([{ to: "vault_kv_secret_v2.svc-x", id: "secret/data/nexus/svc-x" }]).map((f) => f.message)).toEqual(["imports the KV secret vault_kv_secret_v2.svc-x"]);
    expect(check([{ to: "vault_policy.q", id: "q" }]).map((f) => f.message)).toEqual(['"vault_policy.q" is not a resource of this stack']);
  });

  it("rejects adopt values and passwordVersions the schema does not know", () => {
    const problems = (data: unknown) => {
      try {
        configFrom(data);
      } catch (e) {
        if (e instanceof ConfigError) return e.problems;
      }
      return [];
    };
    expect(problems(handSetData({ create: ["not an address"] }))[0]).toMatch(/^adopt\.create\[0\]: "not an address": must be a resource address/);
    const data = handSetData();
    data.accounts[0].passwordVersion = -1;
    expect(problems(data)).toEqual(['accounts[0].passwordVersion: -1: must be 0 (password set by hand, not written by Terraform) or a positive version']);
  });
});

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
