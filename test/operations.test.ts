// Day-two operations (issue 5): adding an account, rotating a password, adopting the hand-made production setup,
// and roles for a few projects. One file: every test file reloads cdktf, which costs more than these tests.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Testing } from "cdktf";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { AccountRefusedError, addAccount, insertAccount, parseAccountAddArgs, REGENERATE_STEPS, runAccountAdd, updateDataFile, type AccountRequest } from "../lib/operations/account-add";
import { ConfigError, parseConfig, parseDataFile } from "../lib/model/config";
import { buildAndCheck, createdByFirstPlan } from "../lib/synth/synth";
import { diffStacks } from "../lib/review/stack-diff";
import { summarize, UsageError } from "../lib/synth/cli";
import { configFrom, DEFAULT_TEXT, defaultData, ROOT, synthStack } from "./support/fixtures";

/** The real rule pack's verdict on data, in memory: violations as "RULE path: message", suppressions, and the stack. */
function checkData(data: unknown, file = "access.yaml") {
  const source = parseDataFile(stringify(data), file);
  const { tf, report } = buildAndCheck(source, Testing.app(), { kind: "local" });
  return { config: source.config, tf: tf as any, violations: report.violations.map((v) => `${v.rule.id} ${v.path}: ${v.message}`), suppressed: report.suppressed };
}

// ---------------------------------------------------------------------------------------------------------------
// npm run account:add

const DATASTORE: AccountRequest = { name: "svc-datastore", permissions: ["docker:read-write"], readers: ["nexus-ci"], usedBy: "datastore CI image builds" };
const DATASTORE_YAML = [
  "  - name: svc-datastore",
  "    permissions: [docker:read-write]",
  "    usedBy: datastore CI image builds",
  "    readers: [nexus-ci]",
  "    passwordVersion: 1",
  "",
].join("\n");

/** The refusal addAccount throws for `request` on the default data (fails the test if it accepts). */
function refusalOf(request: Partial<AccountRequest>): string {
  try {
    addAccount(DEFAULT_TEXT, "access.yaml", { ...DATASTORE, ...request });
  } catch (error) {
    if (error instanceof AccountRefusedError) return error.message;
    throw error;
  }
  throw new Error("expected the account to be refused");
}

describe("the command line", () => {
  it("takes the name, comma-separated lists, texts and --config, as separate or =-joined values", () => {
    expect(parseAccountAddArgs(["svc-x", "--permissions", "docker:read, raw:read", "--readers=nexus-ci", "--used-by", "a b", "--config", "s.yaml"])).toEqual({
      request: { name: "svc-x", permissions: ["docker:read", "raw:read"], readers: ["nexus-ci"], usedBy: "a b", justification: undefined },
      configFile: "s.yaml",
    });
  });

  it("rejects a missing name or list, an option without value, an unknown or repeated option", () => {
    expect(() => parseAccountAddArgs(["--permissions", "docker:read", "--readers", "nexus-ci"])).toThrow("give exactly one account name (got 0)");
    expect(() => parseAccountAddArgs(["svc-x", "--readers", "nexus-ci"])).toThrow("--permissions is required");
    expect(() => parseAccountAddArgs(["svc-x", "--permissions", "--readers", "nexus-ci"])).toThrow("--permissions needs a value");
    expect(() => parseAccountAddArgs(["svc-x", "--permission", "docker:read"])).toThrow('unknown option "--permission"');
    expect(() => parseAccountAddArgs(["svc-x", "--readers", "a", "--readers", "b"])).toThrow("--readers is given twice");
  });
});

describe("editing the data file", () => {
  it("appends the entry to accounts and leaves every other byte, comments and order included, as it was", () => {
    expect(insertAccount(DEFAULT_TEXT, DATASTORE)).toBe(DEFAULT_TEXT + DATASTORE_YAML);
  });

  it("inserts right after the last account when comments and other sections follow it", () => {
    const lastAccount = DEFAULT_TEXT.lastIndexOf("passwordVersion: 1\n") + "passwordVersion: 1".length;
    const tail = "\n\n# Reviewed by the infra team.\nworkloads2: []\n";
    const text = `${DEFAULT_TEXT.slice(0, lastAccount)}  # hand-checked${DEFAULT_TEXT.slice(lastAccount).trimEnd()}${tail}`;
    const updated = insertAccount(text, DATASTORE);
    const at = text.indexOf("# hand-checked\n") + "# hand-checked\n".length;
    expect(updated).toBe(text.slice(0, at) + DATASTORE_YAML + text.slice(at));
  });

  it("starts the accounts list when the file has none, changing no other byte", () => {
    const text = DEFAULT_TEXT.slice(0, DEFAULT_TEXT.indexOf("# Nexus service accounts"));
    expect(insertAccount(text, DATASTORE)).toBe(`${text}accounts:\n${DATASTORE_YAML}`);
    expect(insertAccount(text.trimEnd(), DATASTORE)).toBe(`${text.trimEnd()}\naccounts:\n${DATASTORE_YAML}`);
  });

  it("gives an empty accounts: (nothing, ~ or []) its one entry, keeping a comment on that line and what follows", () => {
    const head = DEFAULT_TEXT.slice(0, DEFAULT_TEXT.indexOf("accounts:\n"));
    for (const empty of ["accounts:", "accounts: ~", "accounts: []"]) {
      expect(insertAccount(`${head}${empty}\n# end\n`, DATASTORE)).toBe(`${head}accounts:\n${DATASTORE_YAML}# end\n`);
    }
    expect(insertAccount(`${head}accounts: []  # none yet\n`, DATASTORE)).toBe(`${head}accounts:  # none yet\n${DATASTORE_YAML}`);
  });

  it("keeps CRLF line endings: the new entry ends its lines with CRLF too, every other byte unchanged", () => {
    const crlf = DEFAULT_TEXT.replace(/\n/g, "\r\n");
    expect(insertAccount(crlf, DATASTORE)).toBe(crlf + DATASTORE_YAML.replace(/\n/g, "\r\n"));
    const empty = `${crlf.slice(0, crlf.indexOf("accounts:\r\n"))}accounts: []\r\n`;
    expect(insertAccount(empty, DATASTORE)).toBe(`${empty.slice(0, -"accounts: []\r\n".length)}accounts:\r\n${DATASTORE_YAML.replace(/\n/g, "\r\n")}`);
  });

  it("refuses a flow-style accounts list, or accounts that are not a list, naming the file and line and what to write instead", () => {
    const head = DEFAULT_TEXT.slice(0, DEFAULT_TEXT.indexOf("accounts:\n"));
    const line = head.split("\n").length;
    const advice = 'account:add adds a "- name: ..." item to a block list, so nothing was written. Write accounts as a block list, one "- name:" item per account (docs/data-file.md), and run it again.';
    expect(() => insertAccount(`${head}accounts: [{ name: svc-a, permissions: [docker:read], readers: [nexus-ci] }]\n`, DATASTORE, "staging.yaml")).toThrow(
      new UsageError(`staging.yaml:${line}: accounts: is a flow list ([...]); ${advice}`),
    );
    expect(() => insertAccount(`${head}accounts: {}\n`, DATASTORE)).toThrow(new UsageError(`access.yaml:${line}: accounts: is a map; ${advice}`));
    expect(() => insertAccount(`${head}accounts: none\n`, DATASTORE)).toThrow(new UsageError(`access.yaml:${line}: accounts: is the value "none"; ${advice}`));
  });

  it("quotes texts that YAML would misread, so the file says exactly what was given", () => {
    const justification = "needs: a pull-only scope # for kubernetes, see INFRA-12";
    const updated = insertAccount(DEFAULT_TEXT, { ...DATASTORE, justification });
    expect(parse(updated).accounts[3]).toEqual({
      name: "svc-datastore",
      permissions: ["docker:read-write"],
      usedBy: "datastore CI image builds",
      readers: ["nexus-ci"],
      passwordVersion: 1,
      justification,
    });
  });
});

describe("adding svc-datastore (Docker read/write, read by nexus-ci) to the default data", () => {
  let added: ReturnType<typeof addAccount>;
  let before: any;
  let after: any;
  // In beforeAll, not at describe scope: jest skips it when Stryker selects none of these tests (docs/development.md, Mutation testing).
  beforeAll(() => {
    added = addAccount(DEFAULT_TEXT, "access.yaml", DATASTORE);
    before = synthStack();
    after = synthStack(parseConfig(added.text, "access.yaml"));
  });
  const policy = "kv-read.secret.nexus.svc-datastore";

  it("adds one secret, one policy and one password variable, and changes only nexus-ci's token_policies and the outputs listing them", () => {
    expect(diffStacks(before, after)).toEqual({
      added: ['terraform_data.account_guard["svc-datastore"]', "var.svc_datastore_password", "vault_kv_secret_v2.svc-datastore", "vault_policy.kv-read_secret_nexus_svc-datastore"],
      removed: [],
      forgotten: [],
      changed: [
        { address: "output.account_metadata", attributes: ["value"] },
        { address: "output.ci_roles", attributes: ["value"] },
        { address: "output.read_policies", attributes: ["value"] },
        { address: "output.secret_keys", attributes: ["value"] },
        { address: "vault_jwt_auth_backend_role.nexus-ci", attributes: ["token_policies"] },
      ],
    });
    expect(added.change).toEqual(diffStacks(before, after));
  });

  it("changes nothing else: taking out the new blocks and the new policy entry gives back the stack before, exactly", () => {
    const role = after.resource.vault_jwt_auth_backend_role["nexus-ci"];
    expect(role.token_policies.filter((p: string) => p !== policy)).toEqual(before.resource.vault_jwt_auth_backend_role["nexus-ci"].token_policies);
    expect(role.token_policies).toHaveLength(before.resource.vault_jwt_auth_backend_role["nexus-ci"].token_policies.length + 1);
    expect(after.output.read_policies.value["nexus/svc-datastore"]).toBe(policy);
    expect(after.output.ci_roles.value["nexus-ci"].policies).toEqual(role.token_policies);

    const stripped = structuredClone(after);
    delete stripped.resource.vault_kv_secret_v2["svc-datastore"];
    delete stripped.resource.terraform_data.account_guard.for_each["svc-datastore"];
    delete stripped.resource.vault_policy["kv-read_secret_nexus_svc-datastore"];
    delete stripped.variable.svc_datastore_password;
    delete stripped.output.read_policies.value["nexus/svc-datastore"];
    delete stripped.output.secret_keys.value["secret/data/nexus/svc-datastore"];
    delete stripped.output.account_metadata.value["secret/data/nexus/svc-datastore"];
    for (const holder of [stripped.resource.vault_jwt_auth_backend_role["nexus-ci"], stripped.output.ci_roles.value["nexus-ci"]]) {
      const key = "token_policies" in holder ? "token_policies" : "policies";
      holder[key] = holder[key].filter((p: string) => p !== policy);
    }
    expect(stripped).toEqual(before);
  });

  it("writes the new secret like every other account: write-only, version 1, read-only policy on its data path", () => {
    expect(after.resource.vault_kv_secret_v2["svc-datastore"]).toMatchObject({ mount: "secret", name: "nexus/svc-datastore", data_json_wo_version: 1, disable_read: true });
    expect(after.resource.vault_policy["kv-read_secret_nexus_svc-datastore"].policy).toContain('path "secret/data/nexus/svc-datastore"');
  });

  it("prints the next steps: the Nexus account, the password variable, and exactly what the plan must show", () => {
    expect(added.nextSteps).toContain("Create the Nexus user svc-datastore with exactly these permissions: docker:read-write");
    expect(added.nextSteps).toContain("TF_VAR_svc_datastore_password");
    // What makes npm test pass again, in order: the generated files, the test run, the snapshot accepted, one commit.
    expect(added.nextSteps).toContain(REGENERATE_STEPS.map((step, i) => `${i + 2}. ${step}`).join("\n"));
    expect(REGENERATE_STEPS[0]).toMatch(/^npm run access && npm run ci-template /);
    expect(REGENERATE_STEPS[1]).toMatch(/^npm test: .* npm test -- -u\.$/);
    expect(added.nextSteps).toContain(
      [
        '     + terraform_data.account_guard["svc-datastore"]',
        "     + vault_kv_secret_v2.svc-datastore",
        "     + vault_policy.kv-read_secret_nexus_svc-datastore",
        "     ~ vault_jwt_auth_backend_role.nexus-ci (token_policies)",
        "     Plan: 3 to add, 1 to change, 0 to destroy.",
        "     Changes to Outputs: account_metadata, ci_roles, read_policies, secret_keys",
      ].join("\n"),
    );
  });

  it("tells who must attach the policy by hand when the readers are AppRole workloads", () => {
    const pullOnly = addAccount(DEFAULT_TEXT, "access.yaml", { name: "svc-puller", permissions: ["helm:read"], readers: ["kubernetes"] });
    expect(pullOnly.nextSteps).toContain("kubernetes authenticate with AppRole, which is not managed here: attach the policy kv-read.secret.nexus.svc-puller");
    expect(pullOnly.nextSteps).toContain("Plan: 3 to add, 0 to change, 0 to destroy.");
  });
});

describe("refusals (nothing is returned to write)", () => {
  it("rejects a bad name with the field, the value and the pattern", () => {
    expect(refusalOf({ name: "svc_datastore" })).toContain('access.yaml:101:11: accounts[3].name: "svc_datastore": must match ^svc-[a-z0-9-]+$');
  });

  it("rejects a duplicate name, also when it differs only in case", () => {
    expect(refusalOf({ name: "svc-executor", permissions: ["helm:read"] })).toContain('accounts[3].name: "svc-executor": duplicates accounts[1]');
    expect(refusalOf({ name: "SVC-Executor", permissions: ["helm:read"] })).toContain('accounts[3].name: "SVC-Executor": duplicates accounts[1]');
  });

  it("rejects an unknown reader and names the declared ones", () => {
    expect(refusalOf({ readers: ["nexus-cd"] })).toContain('accounts[3].readers[0]: "nexus-cd": must name a declared role or workload (nexus-ci, kubernetes, ec2-deploy)');
  });

  it("rejects an unknown permission", () => {
    expect(refusalOf({ permissions: ["docker:admin"] })).toContain(
      'accounts[3].permissions[0]: "docker:admin": must be <format>:read or <format>:read-write, <format> one of docker, rpm, raw, pypi, maven, npm, helm, apt, go, nuget (e.g. docker:read-write)',
    );
  });

  it("rejects a permission scope an existing account has (ACC-004), in any order, and says how to justify it", () => {
    const message = refusalOf({ permissions: ["pypi:read-write", "raw:read-write", "docker:read-write", "rpm:read-write"] });
    expect(message).toContain("ACC-004 access.yaml:102:18: accounts[3].permissions:");
    expect(message).toContain("is the same scope as svc-orchestrator");
    expect(message).toContain('--justification "<at least 20 characters>"');
  });

  it("accepts that scope with a written justification, and rejects one too short to explain anything", () => {
    const justification = "separate audit trail required by the datastore vendor contract";
    const accepted = addAccount(DEFAULT_TEXT, "access.yaml", { ...DATASTORE, permissions: ["rpm:read-write", "raw:read-write"], justification });
    expect(accepted.config.accounts[3]).toMatchObject({ name: "svc-datastore", justification });
    expect(refusalOf({ permissions: ["rpm:read-write", "raw:read-write"], justification: "because" })).toContain(
      'accounts[3].justification: "because": must explain in at least 20 characters',
    );
  });

  it("rejects a secret shared by CI and workloads (POL-006): the whole rule pack runs, not a copy of it", () => {
    expect(refusalOf({ readers: ["nexus-ci", "kubernetes"] })).toContain("POL-006");
  });

  it("reports an unknown permission and a guardrail's finding on the same entry together, in one refusal", () => {
    const message = refusalOf({ permissions: ["docker:admin"], readers: ["nexus-ci", "kubernetes"] });
    expect(message).toMatch(/^svc-datastore was not added, the data file is unchanged \(3 problems\):/);
    expect(message).toContain('accounts[3].permissions[0]: "docker:admin": must be');
    // POL-006 on the entry's readers, and on the policy it would give nexus-ci.
    expect(message).toMatch(/\nPOL-006 access\.yaml:\d+:\d+: accounts\[3\]\.readers\[0\]: CI role nexus-ci may not read svc-datastore/);
    expect(message).toMatch(/\nPOL-006 cdktf\.out\/stacks\/cwiq\/cdk\.tf\.json:vault_policy\.kv-read_secret_nexus_svc-datastore\.policy: /);
  });

  it("fails on a data file that is already invalid, before adding anything", () => {
    expect(() => addAccount(DEFAULT_TEXT.replace("groupId: 9", "groupId: nine"), "access.yaml", DATASTORE)).toThrow(ConfigError);
  });
});

describe("the command (runAccountAdd, what scripts/account-add.ts runs on the real file system)", () => {
  const run = (file: string, args: string[]) =>
    runAccountAdd([...args, "--config", file], { update: updateDataFile, env: {} });
  const tempCopy = () => {
    const file = join(mkdtempSync(join(tmpdir(), "account-add-")), "access.yaml");
    writeFileSync(file, DEFAULT_TEXT);
    copyFileSync(join(ROOT, "trust.yaml"), join(file, "..", "trust.yaml"));
    return file;
  };

  it("writes the data file and prints the next steps, exit code 0", () => {
    const file = tempCopy();
    const result = run(file, ["svc-datastore", "--permissions", "docker:read-write", "--readers", "nexus-ci", "--used-by", "datastore CI image builds"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(readFileSync(file, "utf8")).toBe(DEFAULT_TEXT + DATASTORE_YAML);
    expect(result.stdout).toMatch(/^Added svc-datastore to .*access\.yaml \(accounts\[3\]\)\. Next steps:\n1\. Create the Nexus user/);
  });

  it("refuses with exit code 1 and a message, and leaves the file untouched", () => {
    const file = tempCopy();
    const result = run(file, ["svc-orchestrator", "--permissions", "docker:read", "--readers", "nexus-ci"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^account:add: svc-orchestrator was not added, the data file is unchanged \(1 problem\):\n.*access\.yaml:\d+:\d+: accounts\[3\]\.name: "svc-orchestrator": duplicates accounts\[0\]/);
    expect(readFileSync(file, "utf8")).toBe(DEFAULT_TEXT);
  });

  it("refuses bad usage the same way, listing the valid permissions", () => {
    expect(run(tempCopy(), ["svc-x"])).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^account:add: --permissions is required\nusage: npm run account:add/) });
    expect(run(tempCopy(), ["svc-x"]).stderr).toContain("\npermissions: <format>:read or <format>:read-write, <format> one of docker, rpm, raw, pypi, maven, npm, helm, apt, go, nuget");
  });

  it("answers --help with its usage, the valid permissions, its options and exit codes, exit code 0, and touches nothing", () => {
    const file = tempCopy();
    const help = run(file, ["--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toMatch(/^usage: npm run account:add -- svc-<name> /);
    for (const text of ["docker, rpm, raw", "--readers <r,...>", "--justification", "--config <file>", "exit codes:\n  0  added", "\n  1  refused"]) expect(help.stdout).toContain(text);
    expect(run(file, ["svc-x", "-h"]).stdout).toBe(help.stdout);
    expect(readFileSync(file, "utf8")).toBe(DEFAULT_TEXT);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// When Terraform writes a Nexus account's password: at creation, at a rotation (passwordVersion raised), never in
// adoption mode and never on an access change.

const account = (data: any, name: string) => data.accounts.find((a: any) => a.name === name);

describe("rotating svc-executor (passwordVersion 1 -> 2)", () => {
  let before: any;
  let after: any;
  beforeAll(() => {
    before = synthStack();
    const data = defaultData();
    account(data, "svc-executor").passwordVersion = 2;
    after = synthStack(configFrom(data));
  });

  it("changes data_json_wo_version of that one secret and nothing else in the whole stack", () => {
    expect(diffStacks(before, after)).toEqual({
      added: [],
      removed: [],
      forgotten: [],
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

/** The default CWIQ data as production has it: every account's password set by hand (passwordVersion 0). */
function handSetData(adopt: unknown = true): any {
  const data = defaultData();
  data.adopt = adopt;
  for (const account of data.accounts) account.passwordVersion = 0;
  return data;
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
  let json: any;
  beforeAll(() => {
    json = synthStack(configFrom(handSetData()));
  });

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
    expect(diffStacks(synthStack(configFrom(handSetData(false))), json)).toEqual({ added: ["import"], removed: [], forgotten: [], changed: [] });
  });

  it("passes every guardrail", () => {
    expect(checkData(handSetData()).violations).toEqual([]);
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
    expect(synthStack(configFrom(data)).import).toContainEqual({ to: "vault_mount.kv", id: "secret" });
  });

  it("ends adoption of an account with its first rotation: passwordVersion 0 -> 1 adds its secret and variable, nothing else", () => {
    const data = handSetData(false);
    const before = synthStack(configFrom(data));
    data.accounts[1].passwordVersion = 1;
    // The removed block that kept it out of Terraform while it was hand-set goes; its guard instance stays.
    expect(diffStacks(before, synthStack(configFrom(data)))).toEqual({ added: ["var.svc_executor_password", "vault_kv_secret_v2.svc-executor"], removed: [], forgotten: [], changed: [{ address: "removed", attributes: ["(value)"] }] });
  });

  it("says in the synth summary how many objects are imported, what the first plan creates (the guards too), and whose passwords stay as set by hand", () => {
    const config = configFrom(handSetData({ create: ["vault_policy.kv-read_secret_nexus_svc-deployer"] }));
    const tf = synthStack(config);
    const creates = createdByFirstPlan(tf);
    // Every resource instance is either imported or created: nothing is left out of the plan's count.
    const instances = Object.entries(tf.resource).flatMap(([type, byName]: [string, any]) =>
      Object.entries(byName).flatMap(([name, block]: [string, any]) => (block.for_each ? Object.keys(block.for_each).map((k) => `${type}.${name}["${k}"]`) : [`${type}.${name}`])),
    );
    expect([...creates, ...tf.import.map((b: { to: string }) => b.to)].sort()).toEqual(instances.sort());
    expect(creates).toEqual([
      'terraform_data.account_guard["svc-deployer"]',
      'terraform_data.account_guard["svc-executor"]',
      'terraform_data.account_guard["svc-orchestrator"]',
      "vault_policy.kv-read_secret_nexus_svc-deployer",
    ]);
    const summary = summarize("access.yaml", config, { kind: "local" }, { outdir: "o", stackFile: "o/s.json", report: { violations: [], suppressed: [] }, imports: 9, creates });
    expect(summary).toContain("password set by hand, not written until rotated (passwordVersion 0): svc-orchestrator, svc-executor, svc-deployer");
    expect(summary).toContain(
      "adopt     9 existing objects imported, not created; the first plan creates 4: terraform_data.account_guard (3 instances), vault_policy.kv-read_secret_nexus_svc-deployer",
    );
    expect(summary).toContain("guards    3 account guards (terraform_data.account_guard, prevent_destroy: deleting or renaming an account entry fails the plan)");
  });

  it("emits no import block without adopt", () => {
    expect(synthStack()).not.toHaveProperty("import");
  });
});

describe("adoption guardrails", () => {
  it("ADOPT-001 rejects adoption with an account whose password would be written, and accepts a written reason for a new one", () => {
    const data = handSetData();
    data.accounts[1].passwordVersion = 1;
    expect(checkData(data).violations).toEqual([
      "ADOPT-001 accounts[1].passwordVersion: is 1: the first apply would write a new password to secret/nexus/svc-executor, replacing the one in production",
    ]);
    data.accounts[1].suppress = [{ rule: "ADOPT-001", reason: "new account: no secret exists in production yet" }];
    expect(checkData(data).violations).toEqual([]);
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

// ---------------------------------------------------------------------------------------------------------------
// Roles for a few projects

const EXAMPLE_FILE = join(ROOT, "examples", "project-role.yaml");
const EXAMPLE_TEXT = readFileSync(EXAMPLE_FILE, "utf8");
const PROJECT_PATH = "security/group-access-token";
const PROJECT_POLICY = "kv-read.secret.security.group-access-token";

/** The example's data with a change applied, checked by the real rule pack in memory. */
const exampleWith = (change: (data: any) => void = () => {}) => {
  const data = parse(EXAMPLE_TEXT);
  change(data);
  return checkData(data, "examples/project-role.yaml");
};

const policyPaths = (tf: any, role: string): string[] =>
  tf.resource.vault_jwt_auth_backend_role[role].token_policies.flatMap((name: string) =>
    (Object.values(tf.resource.vault_policy) as { name: string; policy: string }[])
      .filter((p) => p.name === name)
      .flatMap((p) => [...p.policy.matchAll(/path "([^"]+)"/g)].map((m) => m[1])),
  );

describe("examples/project-role.yaml: a role for one project on protected refs, beside nexus-ci", () => {
  let tf: any;
  let violations: string[];
  beforeAll(() => {
    ({ tf, violations } = exampleWith());
  });

  it("synthesizes and passes every guardrail", () => {
    expect(violations).toEqual([]);
  });

  it("binds security-build to the one project by id and to protected refs, and gives it only its secret", () => {
    const role = tf.resource.vault_jwt_auth_backend_role["security-build"];
    expect(role).toMatchObject({ bound_claims: { project_id: "4242", ref_protected: "true" }, bound_claims_type: "string", token_policies: [PROJECT_POLICY] });
    expect(policyPaths(tf, "security-build")).toEqual([`secret/data/${PROJECT_PATH}`]);
  });

  it("never lets the path reach nexus-ci: neither its token_policies nor the paths of its policies", () => {
    expect(tf.resource.vault_jwt_auth_backend_role["nexus-ci"].token_policies).not.toContain(PROJECT_POLICY);
    expect(policyPaths(tf, "nexus-ci")).toEqual(["secret/data/nexus/svc-orchestrator", "secret/data/sonarqube/svc-orchestrator"]);
  });
});

describe("adding the project's path to nexus-ci", () => {
  let leaked: ReturnType<typeof exampleWith>;
  beforeAll(() => {
    leaked = exampleWith((data) => data.roles[0].reads.push({ path: PROJECT_PATH, keys: ["token"] }));
  });

  it("is visible in the stack: nexus-ci gets the policy, and nothing else changes", () => {
    const diff = diffStacks(synthStack(exampleWith().config), synthStack(leaked.config));
    expect(diff.changed.filter((c) => !c.address.startsWith("output."))).toEqual([{ address: "vault_jwt_auth_backend_role.nexus-ci", attributes: ["token_policies"] }]);
    expect(leaked.tf.resource.vault_jwt_auth_backend_role["nexus-ci"].token_policies).toContain(PROJECT_POLICY);
  });

  it("fails POL-007: a group-wide role may not read what a project-scoped role reads", () => {
    expect(leaked.violations).toEqual([
      `POL-007 vault_policy.kv-read_secret_security_group-access-token.policy: lets group-wide role nexus-ci read "secret/data/${PROJECT_PATH}", which project-scoped role security-build reads`,
    ]);
  });

  it("fails POL-007 the same way through an account's readers, and passes with a written reason on nexus-ci", () => {
    const shared = (reason?: string) =>
      exampleWith((data) => {
        data.accounts[0].readers.push("security-build");
        if (reason) data.roles[0].suppress = [{ rule: "POL-007", reason }];
      });
    expect(shared().violations).toEqual([expect.stringMatching(/^POL-007 .*group-wide role nexus-ci read "secret\/data\/nexus\/svc-orchestrator", which project-scoped role security-build reads$/)]);
    const waived = shared("every platform pipeline pushes images with this account");
    expect(waived.violations).toEqual([]);
    expect(waived.suppressed.map((s) => s.rule.id)).toEqual(["POL-007"]);
  });
});
