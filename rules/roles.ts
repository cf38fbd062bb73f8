/** Rules for JWT roles that CI jobs log in to. */
import type { Rule } from "./rule";
import { stackFinding } from "./rule";
import { ciRoles, pipelineRoles } from "./context";
import { resourcesOf, type TfRole } from "./terraform-json";
import { parseDuration } from "../lib/model/duration";
import { claimValueProblem } from "../lib/model/gitlab-claims";
import { dataFinding } from "./rule";

/** Claims that identify by id: immutable, never reused. */
export const ID_CLAIMS = ["namespace_id", "project_id"] as const;
/** Claims a user can choose or an owner can rename; binding on them alone lets other projects in. */
export const MUTABLE_CLAIMS = ["namespace_path", "project_path", "user_email", "environment", "user_login", "ref", "sub"] as const;
/** Claims acceptable as `user_claim`: ids, so the entity alias survives renames. */
export const ID_USER_CLAIMS = ["project_id", "namespace_id", "user_id"] as const;
/** Longest token any CI role may issue. A job that needs longer should re-login. */
export const MAX_TOKEN_TTL_SECONDS = parseDuration("1h")!;

export const roleTypeJwt: Rule = {
  id: "JWT-001",
  explanation: "A CI role must have role_type jwt: the provider's default, oidc, is a browser login flow.",
  fix: 'set role_type "jwt" (the CiRole construct does)',
  check: (input) =>
    ciRoles(input)
      .filter(({ role }) => role.role_type !== "jwt")
      .map(({ address, role, entry }) => stackFinding(`${address}.role_type`, `is ${JSON.stringify(role.role_type ?? null)}, must be "jwt"`, entry)),
};

export const boundAudiences: Rule = {
  id: "JWT-002",
  explanation: "A role must bind a non-empty list of https audiences; without one it accepts any audience (CVE-2024-5798).",
  fix: "list the audience the jobs' id_tokens carry under audiences",
  check: (input) =>
    ciRoles(input).flatMap(({ address, role, entry }) => {
      const audiences = role.bound_audiences ?? [];
      if (audiences.length === 0) return [stackFinding(`${address}.bound_audiences`, "is empty: any token audience would be accepted", entry)];
      return audiences
        .filter((aud) => !/^https:\/\/[^\s/@]+(\/[^\s]*)?$/.test(aud))
        .map((aud) => stackFinding(`${address}.bound_audiences`, `${JSON.stringify(aud)} is not an https URL`, entry));
    }),
};

export const boundById: Rule = {
  id: "JWT-003",
  explanation: "A role must bind namespace_id or project_id to a positive integer: otherwise any job on the instance can log in.",
  fix: 'add boundClaims.namespace_id (the group) or boundClaims.project_id, quoted, e.g. "9"',
  check: (input) =>
    ciRoles(input)
      .filter(({ role }) => !ID_CLAIMS.some((claim) => /^[1-9][0-9]*$/.test(role.bound_claims?.[claim] ?? "")))
      .map(({ address, role, entry }) =>
        stackFinding(`${address}.bound_claims`, `${JSON.stringify(role.bound_claims ?? {})} has no namespace_id or project_id bound to a positive integer`, entry),
      ),
};

export const noMutableBindingAlone: Rule = {
  id: "JWT-004",
  explanation: "Paths, e-mails, refs and environment names can be renamed, reused or chosen by users: they may narrow an id binding, never replace it.",
  fix: "bind namespace_id or project_id as well; keep the mutable claim only as an extra restriction",
  check: (input) =>
    ciRoles(input).flatMap(({ address, role, entry }) => {
      const claims = Object.keys(role.bound_claims ?? {});
      const mutable = claims.filter((c) => (MUTABLE_CLAIMS as readonly string[]).includes(c));
      const byId = claims.some((c) => (ID_CLAIMS as readonly string[]).includes(c));
      return mutable.length > 0 && !byId ? [stackFinding(`${address}.bound_claims`, `binds only mutable claims (${mutable.join(", ")})`, entry)] : [];
    }),
};

export const noGlobClaims: Rule = {
  id: "JWT-005",
  explanation: 'bound_claims_type glob turns "*" in a claim value into a wildcard; one careless value admits whole namespaces.',
  fix: 'use boundClaimsType "string" (one exact value per claim)',
  check: (input) =>
    ciRoles(input)
      .filter(({ role }) => role.bound_claims_type !== "string")
      .map(({ address, role, entry }) => stackFinding(`${address}.bound_claims_type`, `is ${JSON.stringify(role.bound_claims_type ?? null)}, must be "string"`, entry)),
};

export const claimValuesExact: Rule = {
  id: "JWT-006",
  explanation: "The provider splits bound-claim values on commas (a list of alternatives), and *, ? or [ read as wildcards: values must be one exact id.",
  fix: "write one value per claim, with no comma and no wildcard character",
  check: (input) =>
    ciRoles(input).flatMap(({ address, role, entry }) =>
      Object.entries(role.bound_claims ?? {})
        .filter(([, value]) => /[,*?[\]{}]/.test(value) || value.trim() !== value || value === "")
        .map(([claim, value]) => stackFinding(`${address}.bound_claims.${claim}`, `${JSON.stringify(value)} is not one exact value`, entry)),
    ),
};

export const userClaimIsId: Rule = {
  id: "JWT-007",
  explanation: "user_claim names the Vault entity; an e-mail, path or sub can be renamed or reused, so audit trails would point at the wrong caller.",
  fix: `set userClaim to one of ${ID_USER_CLAIMS.join(", ")}`,
  check: (input) =>
    ciRoles(input)
      .filter(({ role }) => !(ID_USER_CLAIMS as readonly string[]).includes(role.user_claim ?? ""))
      .map(({ address, role, entry }) => stackFinding(`${address}.user_claim`, `is ${JSON.stringify(role.user_claim ?? null)}, not an id claim`, entry)),
};

export const noRootOrDefaultPolicy: Rule = {
  id: "JWT-008",
  explanation: "A CI token carries only its read policies: never root, never default (token self-lookup, cubbyhole), and token_no_default_policy is true.",
  fix: "remove root/default from the policies and keep token_no_default_policy true",
  check: (input) =>
    ciRoles(input).flatMap(({ address, role, entry }) => [
      ...(role.token_policies ?? [])
        .filter((p) => p === "root" || p === "default")
        .map((p) => stackFinding(`${address}.token_policies`, `contains ${JSON.stringify(p)}`, entry)),
      ...(role.token_no_default_policy === true ? [] : [stackFinding(`${address}.token_no_default_policy`, "is not true: tokens would get the default policy", entry)]),
    ]),
};

export const tokenLifetime: Rule = {
  id: "JWT-009",
  explanation: `Tokens are short-lived: 0 < token_ttl <= token_max_ttl <= ${MAX_TOKEN_TTL_SECONDS / 60} minutes (a leaked token dies with the job).`,
  fix: "set tokenTtl and tokenMaxTtl, e.g. 15m and 30m",
  check: (input) =>
    ciRoles(input).flatMap(({ address, role, entry }) => {
      const ttl = role.token_ttl ?? 0;
      const max = role.token_max_ttl ?? 0;
      const problems = [];
      if (ttl <= 0) problems.push(stackFinding(`${address}.token_ttl`, `is ${ttl}: unset means Vault's system default (32 days)`, entry));
      if (max <= 0) problems.push(stackFinding(`${address}.token_max_ttl`, `is ${max}: unset means Vault's system maximum`, entry));
      if (max > MAX_TOKEN_TTL_SECONDS) problems.push(stackFinding(`${address}.token_max_ttl`, `is ${max}s, above the ${MAX_TOKEN_TTL_SECONDS}s ceiling`, entry));
      if (max > 0 && ttl > max) problems.push(stackFinding(`${address}.token_ttl`, `${ttl}s exceeds token_max_ttl ${max}s`, entry));
      return problems;
    }),
};

export const noPeriodicOrUnboundedTokens: Rule = {
  id: "JWT-010",
  explanation:
    "Periodic tokens renew forever, an explicit max TTL above the ceiling outlives the job, and token_num_uses 0 (Vault's default) allows unlimited requests; CI tokens must expire and be spent. The uses must cover one read of every path the role may read.",
  fix: "remove token_period and token_explicit_max_ttl (or keep the latter within the ceiling); set tokenNumUses to a positive count no smaller than the role's number of paths",
  check: (input) =>
    ciRoles(input).flatMap(({ address, role, entry }) => {
      const uses = role.token_num_uses ?? 0;
      const paths = (role.token_policies ?? []).length;
      return [
        ...((role.token_period ?? 0) > 0 ? [stackFinding(`${address}.token_period`, `is ${role.token_period}: periodic tokens never expire`, entry)] : []),
        ...((role.token_explicit_max_ttl ?? 0) > MAX_TOKEN_TTL_SECONDS
          ? [stackFinding(`${address}.token_explicit_max_ttl`, `is ${role.token_explicit_max_ttl}s, above the ${MAX_TOKEN_TTL_SECONDS}s ceiling`, entry)]
          : []),
        ...(uses <= 0 ? [stackFinding(`${address}.token_num_uses`, `is ${role.token_num_uses ?? "unset"}: Vault allows such a token unlimited requests`, entry)] : []),
        ...(uses > 0 && uses < paths ? [stackFinding(`${address}.token_num_uses`, `is ${uses}, fewer than the ${paths} paths the role may read: a job reading them all would fail`, entry)] : []),
      ];
    }),
};

export const policiesManagedHere: Rule = {
  id: "JWT-011",
  explanation: "A CI role must carry at least one read policy and its token_policies must all be managed here: a hand-made policy of the same name could grant anything.",
  fix: "grant the role a path (reads, or an account's readers), or remove the role; never name a policy this stack does not declare",
  check: (input) => {
    const managed = new Set(Object.values(input.tf.resource?.vault_policy ?? {}).map((p) => (p as { name?: string }).name));
    return ciRoles(input).flatMap(({ address, role, entry }) => {
      const policies = role.token_policies ?? [];
      if (policies.length === 0) return [stackFinding(`${address}.token_policies`, "is empty: the role grants nothing and should not exist", entry)];
      return policies
        .filter((p) => p !== "root" && p !== "default" && !managed.has(p))
        .map((p) => stackFinding(`${address}.token_policies`, `${JSON.stringify(p)} is not a policy declared in this stack`, entry));
    });
  },
};

export const rolesDeclared: Rule = {
  id: "JWT-012",
  explanation: "Every role on a JWT auth method is declared in the data file (under roles or pipeline): a role the stack adds any other way would escape every JWT, POL and PIPE rule.",
  fix: "declare the role in the data file, or remove it from the stack's code",
  check: (input) => {
    const checked = new Set([...ciRoles(input), ...pipelineRoles(input)].map(({ address }) => address));
    return resourcesOf<TfRole>(input.tf, "vault_jwt_auth_backend_role")
      .filter(([address]) => !checked.has(address))
      .map(([address, role]) => stackFinding(`${address}.role_name`, `${JSON.stringify(role.role_name ?? null)} is declared neither under roles nor under pipeline in the data file`));
  },
};

export const projectIsNotTheGroup: Rule = {
  id: "JWT-013",
  explanation: "A project_id binding never equals gitlab.groupId: group 9 and project 9 are unrelated, and a group id written as a project id trusts some other project's jobs.",
  fix: "bind the group as namespace_id, or the project by its own id (Settings > General); suppress JWT-013 on the role only if that project really is meant",
  waivable:
    "GitLab numbers groups and projects separately, so a project whose id happens to equal the group's is legitimate; the role stays bound to one exact project id, within trust.yaml's allowed projects",
  check: (input) => {
    const group = String(input.config.gitlab.groupId);
    return ciRoles(input).flatMap(({ address, role, entry }) => {
      const project = role.bound_claims?.project_id;
      return project === group ? [stackFinding(`${address}.bound_claims.project_id`, `is ${JSON.stringify(project)}, which is gitlab.groupId: project ${group} is not group ${group}`, entry)] : [];
    });
  },
};

export const claimValuesGitlabCanIssue: Rule = {
  id: "JWT-014",
  explanation:
    "A bound claim names a claim of GitLab's ID tokens, and its value is one GitLab can put there (ids: digits; ref_protected: true or false; refs: git's ref-name characters; paths: GitLab's path characters): any other value matches no job, and its text reaches the CI template's messages.",
  fix: "bind a claim GitLab issues, to a value it can have (docs/data-file.md)",
  check: (input) =>
    input.config.roles.flatMap((role, i) =>
      Object.entries(role.boundClaims).flatMap(([claim, value]) => {
        const problem = claimValueProblem(claim, value);
        return problem ? [dataFinding(`roles[${i}].boundClaims.${claim}`, problem, { list: "roles", name: role.name })] : [];
      }),
    ),
};

export const ROLE_RULES: readonly Rule[] = [
  roleTypeJwt,
  boundAudiences,
  boundById,
  noMutableBindingAlone,
  noGlobClaims,
  claimValuesExact,
  userClaimIsId,
  noRootOrDefaultPolicy,
  tokenLifetime,
  noPeriodicOrUnboundedTokens,
  policiesManagedHere,
  rolesDeclared,
  projectIsNotTheGroup,
  claimValuesGitlabCanIssue,
];
