import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { parseDataFile } from "../lib/config";
import { checkInMemory } from "../lib/synth";
import { diffStacks } from "../lib/stack-diff";
import { ROOT, synthStack } from "./support/fixtures";

const EXAMPLE_FILE = join(ROOT, "examples", "project-role.yaml");
const EXAMPLE_TEXT = readFileSync(EXAMPLE_FILE, "utf8");
const PROJECT_PATH = "gitlab/security-group-access-token";
const PROJECT_POLICY = "kv-read.secret.gitlab.security-group-access-token";

/** The example's data with a change applied, checked by the real rule pack in memory. */
function checked(change: (data: any) => void = () => {}) {
  const data = parse(EXAMPLE_TEXT);
  change(data);
  const source = parseDataFile(stringify(data), "project-role.yaml");
  const { tf, report } = checkInMemory(source);
  return { config: source.config, tf: tf as any, violations: report.violations.map((v) => `${v.rule.id} ${v.path}: ${v.message}`), suppressed: report.suppressed };
}

const policyPaths = (tf: any, role: string): string[] =>
  tf.resource.vault_jwt_auth_backend_role[role].token_policies.flatMap((name: string) =>
    (Object.values(tf.resource.vault_policy) as { name: string; policy: string }[])
      .filter((p) => p.name === name)
      .flatMap((p) => [...p.policy.matchAll(/path "([^"]+)"/g)].map((m) => m[1])),
  );

describe("examples/project-role.yaml: a role for one project on protected refs, beside nexus-ci", () => {
  const { tf, violations } = checked();

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
  const leaked = checked((data) => data.roles[0].reads.push({ path: PROJECT_PATH, keys: ["token"] }));

  it("is visible in the stack: nexus-ci gets the policy, and nothing else changes", () => {
    const diff = diffStacks(synthStack(checked().config), synthStack(leaked.config));
    expect(diff.changed.filter((c) => !c.address.startsWith("output."))).toEqual([{ address: "vault_jwt_auth_backend_role.nexus-ci", attributes: ["token_policies"] }]);
    expect(leaked.tf.resource.vault_jwt_auth_backend_role["nexus-ci"].token_policies).toContain(PROJECT_POLICY);
  });

  it("fails POL-007: a group-wide role may not read what a project-scoped role reads", () => {
    expect(leaked.violations).toEqual([
      `POL-007 vault_policy.kv-read_secret_gitlab_security-group-access-token.policy: lets group-wide role nexus-ci read "secret/data/${PROJECT_PATH}", which project-scoped role security-build reads`,
    ]);
  });

  it("fails POL-007 the same way through an account's readers, and passes with a written reason on nexus-ci", () => {
    const shared = (reason?: string) =>
      checked((data) => {
        data.accounts[0].readers.push("security-build");
        if (reason) data.roles[0].suppress = [{ rule: "POL-007", reason }];
      });
    expect(shared().violations).toEqual([expect.stringMatching(/^POL-007 .*group-wide role nexus-ci read "secret\/data\/nexus\/svc-orchestrator", which project-scoped role security-build reads$/)]);
    const waived = shared("every platform pipeline pushes images with this account");
    expect(waived.violations).toEqual([]);
    expect(waived.suppressed.map((s) => s.rule.id)).toEqual(["POL-007"]);
  });
});
