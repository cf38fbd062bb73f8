import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { AccountRefusedError, addAccount, insertAccount, parseAccountAddArgs, runAccountAdd, type AccountRequest } from "../lib/account-add";
import { ConfigError, parseConfig, readDataFileText } from "../lib/config";
import { diffStacks } from "../lib/stack-diff";
import { DEFAULT_TEXT, synthStack } from "./support/fixtures";

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

  it("starts the accounts list when the file has none, keeping the comments", () => {
    const text = DEFAULT_TEXT.slice(0, DEFAULT_TEXT.indexOf("# Nexus service accounts"));
    const updated = insertAccount(text, DATASTORE);
    expect(parse(updated).accounts).toEqual([{ name: "svc-datastore", permissions: ["docker:read-write"], usedBy: "datastore CI image builds", readers: ["nexus-ci"], passwordVersion: 1 }]);
    expect(updated).toContain("# Every CI job puts this in its id_tokens `aud`");
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
  const added = addAccount(DEFAULT_TEXT, "access.yaml", DATASTORE);
  const before = synthStack();
  const after = synthStack(parseConfig(added.text, "access.yaml"));
  const policy = "kv-read.secret.nexus.svc-datastore";

  it("adds one secret, one policy and one password variable, and changes only nexus-ci's token_policies and two outputs", () => {
    expect(diffStacks(before, after)).toEqual({
      added: ["var.svc_datastore_password", "vault_kv_secret_v2.svc-datastore", "vault_policy.kv-read_secret_nexus_svc-datastore"],
      removed: [],
      changed: [
        { address: "output.ci_roles", attributes: ["value"] },
        { address: "output.read_policies", attributes: ["value"] },
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
    delete stripped.resource.vault_policy["kv-read_secret_nexus_svc-datastore"];
    delete stripped.variable.svc_datastore_password;
    delete stripped.output.read_policies.value["nexus/svc-datastore"];
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
    expect(added.nextSteps).toContain(
      [
        "     + vault_kv_secret_v2.svc-datastore",
        "     + vault_policy.kv-read_secret_nexus_svc-datastore",
        "     ~ vault_jwt_auth_backend_role.nexus-ci (token_policies)",
        "     Plan: 2 to add, 1 to change, 0 to destroy.",
        "     Changes to Outputs: ci_roles, read_policies",
      ].join("\n"),
    );
  });

  it("tells who must attach the policy by hand when the readers are AppRole workloads", () => {
    const pullOnly = addAccount(DEFAULT_TEXT, "access.yaml", { name: "svc-puller", permissions: ["helm:read"], readers: ["kubernetes"] });
    expect(pullOnly.nextSteps).toContain("kubernetes authenticate with AppRole, which is not managed here: attach the policy kv-read.secret.nexus.svc-puller");
    expect(pullOnly.nextSteps).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
  });
});

describe("refusals (nothing is returned to write)", () => {
  it("rejects a bad name with the field, the value and the pattern", () => {
    expect(refusalOf({ name: "svc_datastore" })).toContain('access.yaml:accounts[3].name: "svc_datastore": must match ^svc-[a-z0-9-]+$');
  });

  it("rejects a duplicate name, also when it differs only in case", () => {
    expect(refusalOf({ name: "svc-executor", permissions: ["helm:read"] })).toContain('accounts[3].name: "svc-executor": duplicates accounts[1]');
    expect(refusalOf({ name: "SVC-Executor", permissions: ["helm:read"] })).toContain('accounts[3].name: "SVC-Executor": duplicates accounts[1]');
  });

  it("rejects an unknown reader and names the declared ones", () => {
    expect(refusalOf({ readers: ["nexus-cd"] })).toContain('accounts[3].readers[0]: "nexus-cd": must name a declared role or workload (nexus-ci, kubernetes, ec2-deploy)');
  });

  it("rejects an unknown permission", () => {
    expect(refusalOf({ permissions: ["docker:admin"] })).toContain('accounts[3].permissions[0]: "docker:admin": must match');
  });

  it("rejects a permission scope an existing account has (ACC-004), in any order, and says how to justify it", () => {
    const message = refusalOf({ permissions: ["pypi:read-write", "raw:read-write", "docker:read-write", "rpm:read-write"] });
    expect(message).toContain("ACC-004 access.yaml:accounts[3].permissions:");
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

  it("fails on a data file that is already invalid, before adding anything", () => {
    expect(() => addAccount(DEFAULT_TEXT.replace("groupId: 9", "groupId: nine"), "access.yaml", DATASTORE)).toThrow(ConfigError);
  });
});

describe("the command (runAccountAdd, what scripts/account-add.ts runs on the real file system)", () => {
  const run = (file: string, args: string[]) =>
    runAccountAdd([...args, "--config", file], { read: readDataFileText, write: (f, text) => writeFileSync(f, text), env: {} });
  const tempCopy = () => {
    const file = join(mkdtempSync(join(tmpdir(), "account-add-")), "access.yaml");
    writeFileSync(file, DEFAULT_TEXT);
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
    expect(result.stderr).toMatch(/^account:add: svc-orchestrator was not added, the data file is unchanged \(1 problem\):\n.*access\.yaml:accounts\[3\]\.name: "svc-orchestrator": duplicates accounts\[0\]/);
    expect(readFileSync(file, "utf8")).toBe(DEFAULT_TEXT);
  });

  it("refuses bad usage the same way", () => {
    expect(run(tempCopy(), ["svc-x"])).toEqual({ code: 1, stdout: "", stderr: expect.stringMatching(/^account:add: --permissions is required\nusage: npm run account:add/) });
  });
});
