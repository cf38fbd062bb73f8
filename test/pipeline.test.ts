/**
 * This repository's own pipeline roles (the data file's `pipeline` section): schema, construct, derived policies and
 * the wiring that lets a merge-request plan run without reading any secret value. Their guardrails
 * (rules/pipeline-roles.ts) have their compliant and non-compliant fixtures in test/rules.test.ts, with the others.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Config } from "../lib/model/config";
import { derivePipelineNeeds, pipelineBoundClaims, PROVIDER_NEEDS } from "../lib/operations/pipeline-access";
import { renderPipelineTemplate, PIPELINE_JOBS } from "../lib/operations/ci-template";
import { checkConfiguration } from "../rules";
import { ciRoles } from "../rules/context";
import { parsePolicyRules } from "../rules/terraform-json";
import type { RuleInput } from "../rules/rule";
import { configFrom, defaultConfig, problemsAfter, ROOT, synthStack } from "./support/fixtures";
import { trustFor } from "./support/data";

/** path -> capabilities of a rendered policy (HashiCorp's HCL parser reads the same text in test/policy.test.ts). */
const grantsIn = (hcl: string): Record<string, string[]> => Object.fromEntries((parsePolicyRules(hcl) ?? []).map((r) => [r.path, r.capabilities]));

const EXAMPLE_FILE = join(ROOT, "examples", "with-pipeline.yaml");
const exampleData = (): any => parse(readFileSync(EXAMPLE_FILE, "utf8"));
const PLAN = "vault-ci-access-plan";
const APPLY = "vault-ci-access-apply";
let example: Config;
let tf: any;
let planPolicy: string;
let applyPolicy: string;
// In beforeAll, not at module scope: jest skips it when Stryker selects none of these tests (docs/development.md, Mutation testing).
beforeAll(() => {
  example = configFrom(exampleData(), "examples/with-pipeline.yaml");
  tf = synthStack(example);
  planPolicy = tf.resource.vault_policy[`pipeline_${PLAN}`].policy;
  applyPolicy = tf.resource.vault_policy[`pipeline_${APPLY}`].policy;
});

/** The problems a change to the example data produces. */
const problemsOf = (change: (data: any) => void): string[] => problemsAfter(exampleData(), change);

describe("the pipeline section of the data file", () => {
  it("is absent from the frozen CWIQ data: the real project id was not known, and a guessed one would trust another project", () => {
    expect(defaultConfig().pipeline).toBeUndefined();
  });

  it("declares, in the example, a project id, a plan and an apply role with audiences and TTLs, and the GitLab token's path", () => {
    expect(example.pipeline).toEqual({
      projectId: 4242,
      plan: { name: PLAN, audiences: ["https://gitlab.shared.cwiq.io"], tokenTtl: "15m", tokenMaxTtl: "30m" },
      apply: { name: APPLY, audiences: ["https://gitlab.shared.cwiq.io"], tokenTtl: "30m", tokenMaxTtl: "1h", branch: "main" },
      gitlabTokenPath: "ci/vault-ci-access/gitlab-token",
    });
  });

  it("rejects the group id as project id (group 9 is not project 9)", () => {
    expect(problemsOf((d) => (d.pipeline.projectId = 9))).toEqual([
      "pipeline.projectId: 9: is gitlab.groupId: the pipeline roles need this repository's project id (Settings > General), never the group id",
    ]);
  });

  it("rejects a pipeline role named like a reader role or workload, and a plan role named like the apply role", () => {
    expect(problemsOf((d) => (d.pipeline.plan.name = "nexus-ci"))).toEqual(['pipeline.plan.name: "nexus-ci": is also a role or workload name: role names must be unambiguous']);
    expect(problemsOf((d) => (d.pipeline.apply.name = "kubernetes"))).toEqual(['pipeline.apply.name: "kubernetes": is also a role or workload name: role names must be unambiguous']);
    expect(problemsOf((d) => (d.pipeline.apply.name = PLAN))).toEqual([`pipeline.apply.name: "${PLAN}": is also pipeline.plan.name: the plan and apply roles must differ`]);
  });

  it("rejects a GitLab token path that a CI role reads or that holds an account", () => {
    expect(problemsOf((d) => (d.pipeline.gitlabTokenPath = "sonarqube/svc-orchestrator"))).toEqual([
      'pipeline.gitlabTokenPath: "sonarqube/svc-orchestrator": is also read by nexus-ci: only the apply role may read the GitLab token',
    ]);
    expect(
      problemsOf((d) => {
        d.roles.push({ name: "release-ci", audiences: ["https://gitlab.shared.cwiq.io"], boundClaims: { project_id: "42" }, reads: [{ path: "sonarqube/svc-orchestrator", keys: ["token", "url"] }] });
        d.pipeline.gitlabTokenPath = "sonarqube/svc-orchestrator";
      }),
    ).toEqual(['pipeline.gitlabTokenPath: "sonarqube/svc-orchestrator": is also read by nexus-ci, release-ci: only the apply role may read the GitLab token']);
    expect(problemsOf((d) => (d.pipeline.gitlabTokenPath = "nexus/svc-deployer"))).toEqual([
      `pipeline.gitlabTokenPath: "nexus/svc-deployer": is also a service account's secret: only the apply role may read the GitLab token`,
    ]);
  });

  it("rejects a missing audience, a TTL above the max TTL and an unknown field", () => {
    expect(problemsOf((d) => (d.pipeline.plan.audiences = []))).toEqual([expect.stringMatching(/^pipeline\.plan\.audiences: \[\]: must list at least one audience/)]);
    expect(problemsOf((d) => (d.pipeline.apply.tokenTtl = "2h"))).toEqual(['pipeline.apply.tokenTtl: "2h": must not exceed tokenMaxTtl (1h)']);
    const equal = exampleData();
    equal.pipeline.apply.tokenTtl = "1h";
    expect(configFrom(equal).pipeline!.apply).toMatchObject({ tokenTtl: "1h", tokenMaxTtl: "1h" });
    expect(problemsOf((d) => (d.pipeline.apply.refProtected = false))).toEqual(["pipeline.apply: unknown field(s) refProtected: remove or correct them (allowed here: name, audiences, tokenTtl, tokenMaxTtl, branch)"]);
  });
});

describe("the pipeline roles of the example stack", () => {
  let roles: any;
  beforeAll(() => {
    roles = tf.resource.vault_jwt_auth_backend_role;
  });

  it("binds the plan role to the project id only, so merge-request pipelines can use it", () => {
    expect(roles[PLAN]).toMatchObject({
      backend: "${vault_jwt_auth_backend.jwt.path}",
      role_type: "jwt",
      bound_audiences: ["https://gitlab.shared.cwiq.io"],
      bound_claims: { project_id: "4242" },
      bound_claims_type: "string",
      user_claim: "project_id",
      token_policies: [`pipeline.${PLAN}`],
      token_no_default_policy: true,
      token_ttl: 900,
      token_max_ttl: 1800,
    });
  });

  it("binds the apply role to the project id, protected refs and the one branch the data names", () => {
    expect(roles[APPLY].bound_claims).toEqual({ project_id: "4242", ref_protected: "true", ref: "main", ref_type: "branch" });
    expect(roles[APPLY]).toMatchObject({ role_type: "jwt", token_policies: [`pipeline.${APPLY}`], token_no_default_policy: true, token_ttl: 1800, token_max_ttl: 3600 });
  });

  it("binds the apply role to protected refs alone when the data names no branch", () => {
    const { branch: _branch, ...apply } = example.pipeline!.apply;
    expect(pipelineBoundClaims({ ...example.pipeline!, apply }, "apply")).toEqual({ project_id: "4242", ref_protected: "true" });
  });

  it("is not a CI reader role: the reader rules (JWT-*, POL-*) do not look at it, and the whole pack passes", () => {
    const input: RuleInput = { file: "examples/with-pipeline.yaml", config: example, data: exampleData(), tf, trust: trustFor("examples/with-pipeline.yaml") };
    expect(ciRoles(input).map((r) => r.name)).toEqual(["nexus-ci"]);
    expect(checkConfiguration(input).violations).toEqual([]);
  });

  it("keeps the plan policy to reads of configuration: read only, where the provider's refresh reads", () => {
    const grants = grantsIn(planPolicy);
    for (const [path, capabilities] of Object.entries(grants)) expect([path, capabilities]).toEqual([path, ["read"]]);
    // The jwt backend's refresh reads the mount at sys/mounts/auth/<path> (vault/api GetAuthWithContext), not sys/auth.
    expect(grants["sys/mounts/auth/jwt"]).toEqual(["read"]);
    expect(Object.keys(grants).filter((p) => p.startsWith("sys/auth"))).toEqual([]);
    // disable_read: a secret's refresh makes no call, so the plan role reads neither its data nor its metadata.
    expect(Object.keys(grants).filter((p) => p.startsWith("secret/"))).toEqual([]);
    expect(Object.keys(grants).filter((p) => p.includes("/data/") || /[*+]/.test(p))).toEqual([]);
  });

  it("gives the apply role writes on exact paths, no delete where the stack prevents destroy, and no secret read but the GitLab token", () => {
    const grants = grantsIn(applyPolicy);
    expect(Object.keys(grants).filter((p) => /[*+]/.test(p))).toEqual([]);
    // The pipeline never enables, remounts or disables the auth method (lib/operations/pipeline-access.ts): nothing on sys/auth.
    expect(Object.keys(grants).filter((p) => p.startsWith("sys/auth"))).toEqual([]);
    expect(grants["sys/mounts/auth/jwt"]).toEqual(["read"]);
    expect(grants["auth/jwt/config"]).toEqual(["create", "read", "update"]);
    expect(grants["auth/jwt/role/nexus-ci"]).toEqual(["create", "read", "update", "delete"]);
    expect(grants["sys/policies/acl/kv-read.secret.nexus.svc-executor"]).toEqual(["create", "read", "update", "delete"]);
    for (const account of ["svc-orchestrator", "svc-executor", "svc-deployer"]) {
      expect(grants[`secret/data/nexus/${account}`]).toEqual(["create", "update"]);
      expect(grants[`secret/metadata/nexus/${account}`]).toEqual(["create", "update"]);
    }
    const reads = Object.entries(grants).filter(([p, c]) => p.startsWith("secret/data/") && c.includes("read"));
    expect(reads).toEqual([["secret/data/ci/vault-ci-access/gitlab-token", ["read"]]]);
    expect(Object.entries(grants).filter(([p, c]) => /^(sys\/auth|sys\/mounts|secret\/)/.test(p) && c.includes("delete"))).toEqual([]);
  });

  it.each([PLAN, APPLY])("lets %s's token look itself up, which the Vault provider does before anything else (no default policy here)", (name) => {
    // terraform-provider-vault internal/provider/meta.go (setClient): LookupSelf() on every run, skip_child_token or not.
    const role = tf.resource.vault_jwt_auth_backend_role[name];
    expect(role.token_no_default_policy).toBe(true);
    expect(grantsIn(name === PLAN ? planPolicy : applyPolicy)["auth/token/lookup-self"]).toEqual(["read"]);
  });

  it("fails PIPE-007 when a pipeline policy lacks the provider's token lookup, and when it grants more there", () => {
    const withPolicy = (id: string, edit: (hcl: string) => string): string[] => {
      const changed = structuredClone(tf);
      changed.resource.vault_policy[id].policy = edit(changed.resource.vault_policy[id].policy);
      const input: RuleInput = { file: "examples/with-pipeline.yaml", config: example, data: exampleData(), tf: changed, trust: trustFor("examples/with-pipeline.yaml") };
      return checkConfiguration(input).violations.filter((v) => v.rule.id === "PIPE-007").map((v) => v.message);
    };
    const lookup = /# the Vault provider looks up its own token[^\n]*\npath "auth\/token\/lookup-self" \{\n  capabilities = \["read"\]\n\}\n/;
    expect(planPolicy).toMatch(lookup);
    expect(withPolicy(`pipeline_${PLAN}`, (hcl) => hcl.replace(lookup, ""))).toEqual([
      expect.stringContaining(`plan role ${PLAN} needs exactly [read] on "auth/token/lookup-self", has []`),
    ]);
    expect(withPolicy(`pipeline_${APPLY}`, (hcl) => hcl.replace(lookup, 'path "auth/token/lookup-self" {\n  capabilities = ["read", "update"]\n}\n'))).toEqual([
      expect.stringContaining(`apply role ${APPLY} needs exactly [read] on "auth/token/lookup-self", has [read,update]`),
    ]);
  });

  it("covers every managed resource, including the KV mount when the data file manages it", () => {
    const data = exampleData();
    data.vault.manageKvMount = true;
    const managed = configFrom(data);
    const needs = derivePipelineNeeds(managed, managed.pipeline!);
    expect(needs.filter((n) => n.path.startsWith("sys/mounts/secret")).map((n) => [n.path, n.plan, n.apply])).toEqual([
      ["sys/mounts/secret", ["read"], ["create", "read", "update"]],
      ["sys/mounts/secret/tune", [], ["update"]],
    ]);
    const input: RuleInput = { file: "x.yaml", config: managed, data, tf: synthStack(managed), trust: trustFor("examples/with-pipeline.yaml") };
    expect(checkConfiguration(input).violations).toEqual([]);
  });

  it("shows both policies' full text for review", () => {
    expect({ plan: planPolicy, apply: applyPolicy }).toMatchSnapshot();
  });
});

describe("a merge-request plan with the plan role reads no secret value", () => {
  let pipelineTemplate: any;
  const gitlabCi = readFileSync(join(ROOT, ".gitlab-ci.yml"), "utf8");
  beforeAll(() => {
    pipelineTemplate = parse(renderPipelineTemplate(example));
  });

  it("refreshes the KV secrets without reading them: every vault_kv_secret_v2 has disable_read", () => {
    const secrets = Object.values(tf.resource.vault_kv_secret_v2) as { disable_read?: boolean }[];
    expect(secrets).toHaveLength(3);
    expect(secrets.every((s) => s.disable_read === true)).toBe(true);
  });

  it("can refresh everything else: the plan policy grants every read the provider's refresh needs", () => {
    const granted = new Map((parsePolicyRules(planPolicy) ?? []).map((r) => [r.path, r.capabilities]));
    const refreshes = [
      ...PROVIDER_NEEDS.client(),
      ...PROVIDER_NEEDS.jwtAuthMount("jwt"),
      ...Object.values(tf.resource.vault_jwt_auth_backend_role).flatMap((r: any) => PROVIDER_NEEDS.jwtRole("jwt", r.role_name)),
      ...Object.values(tf.resource.vault_policy).flatMap((p: any) => PROVIDER_NEEDS.aclPolicy(p.name)),
      ...Object.values(tf.resource.vault_kv_secret_v2).flatMap((s: any) => PROVIDER_NEEDS.kvSecret("secret", s.name)),
    ].filter((n) => n.plan.length > 0);
    expect(refreshes).toHaveLength(granted.size);
    for (const { path, plan } of refreshes) expect([path, granted.get(path)]).toEqual([path, plan]);
    expect([...granted.keys()].filter((p) => p.split("/")[1] === "data")).toEqual([]);
  });

  it("gives Terraform the plan role's token and no GitLab token: the plan job extends the plan login, which reads nothing", () => {
    const planLogin = pipelineTemplate[PIPELINE_JOBS.plan];
    expect(planLogin.variables.VAULT_AUTH_ROLE).toBe(PLAN);
    expect(planLogin.before_script.join("\n")).toContain("VAULT_TOKEN=$vs_token\nexport VAULT_TOKEN");
    expect(planLogin.before_script.join("\n")).not.toMatch(/vs_read|GITLAB_TOKEN/);
    expect(pipelineTemplate[PIPELINE_JOBS.apply].before_script.join("\n")).toContain("vs_read ci/vault-ci-access/gitlab-token");
    const mrPlan = parse(gitlabCi.replace(/!reference/g, ""))["plan:merge-request"];
    expect(mrPlan.extends).toEqual([".terraform", PIPELINE_JOBS.plan]);
    expect(mrPlan.script.join("\n")).toMatch(/terraform plan -lock=false -out=plan\.cache \$\(jq -r -f "\$CI_PROJECT_DIR\/\.ci\/vault-targets\.jq" cdk\.tf\.json\)/);
  });

  it("keeps the provider from minting a child token and the state backend on the job's own token", () => {
    expect(tf.provider.vault).toEqual([{ address: "https://vault.shared.cwiq.io" }]);
    const terraformJob = parse(gitlabCi.replace(/!reference/g, ""))[".terraform"];
    expect(terraformJob.variables).toMatchObject({ TERRAFORM_VAULT_SKIP_CHILD_TOKEN: "true", TF_HTTP_USERNAME: "gitlab-ci-token" });
    expect(gitlabCi).toContain('export TF_HTTP_PASSWORD="$CI_JOB_TOKEN"');
  });

  it("configures GitLab-managed state at terraform init, in the Terraform jobs only; synth bakes nothing in", () => {
    const jobs = parse(gitlabCi.replace(/!reference/g, ""));
    const state = "${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/terraform/state/${ACCESS_STACK}";
    expect(jobs[".terraform"].variables).toMatchObject({ TF_HTTP_ADDRESS: state, TF_HTTP_LOCK_ADDRESS: `${state}/lock`, TF_HTTP_UNLOCK_ADDRESS: `${state}/lock` });
    expect(JSON.stringify(jobs.synth)).not.toContain("TF_HTTP");
    expect(tf.terraform.backend).toEqual({ http: { lock_method: "POST", unlock_method: "DELETE", retry_wait_min: 5 } });
  });
});

describe("the pipeline's jq programs (.ci/*.jq, run with jq)", () => {
  const jq = (program: string, input: unknown) => execFileSync("jq", ["-r", "-f", join(ROOT, ".ci", program)], { input: JSON.stringify(input), encoding: "utf8" });

  it("target every Vault resource of the stack and no GitLab resource in the merge-request plan", () => {
    const vault = Object.entries(tf.resource as Record<string, object>)
      .filter(([type]) => type.startsWith("vault_"))
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `-target=${type}.${name}`));
    expect(vault.length).toBe(16);
    expect(jq("vault-targets.jq", tf).trim().split("\n").sort()).toEqual(vault.sort());
  });

  it("turn a plan into the create, update and delete counts of GitLab's Terraform report (a replacement counts twice)", () => {
    const plan = { resource_changes: [["create"], ["update"], ["delete", "create"], ["no-op"], ["read"]].map((actions) => ({ change: { actions } })) };
    expect(JSON.parse(jq("terraform-report.jq", plan))).toEqual({ create: 2, update: 1, delete: 1 });
  });
});
