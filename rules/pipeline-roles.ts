/**
 * Rules for this repository's own pipeline roles (the data file's `pipeline` section). They are a kind of their
 * own: the CI reader rules (JWT-*, POL-*) look only at `roles` and do not apply, because these roles manage Vault's
 * configuration. These rules hold them to one project, protected refs for apply, no secret value for plan, short
 * tokens, and policies that grant exactly what the managed resources need. None of them can be suppressed.
 */
import type { Finding, Rule, RuleInput } from "./rule";
import { dataFinding, stackFinding } from "./rule";
import { ciRoles, pipelineRoles, policiesByName, type PipelineRoleView } from "./context";
import { pathMatches } from "../lib/review/granted-access";
import { parsePolicyRules, type TfAuthBackend, type TfKvSecret, type TfPolicy, type TfRole } from "./terraform-json";
import { MAX_TOKEN_TTL_SECONDS } from "./roles";
import { gitlabTokenNeed, PROVIDER_NEEDS, type PathNeed, type PipelineKind } from "../lib/operations/pipeline-access";
import { kvDataPath, pipelinePolicyName } from "../lib/model/naming";

/** Claims a pipeline role may bind: the project id, and for apply the protected ref (optionally one branch). */
const ALLOWED_CLAIMS: Record<PipelineKind, readonly string[]> = {
  plan: ["project_id"],
  apply: ["project_id", "ref_protected", "ref", "ref_type"],
};

export const pipelineRoleTypeJwt: Rule = {
  id: "PIPE-001",
  explanation: "A pipeline role must have role_type jwt: the provider's default, oidc, is a browser login flow.",
  fix: "declare the role with the PipelineRole construct",
  check: (input) =>
    pipelineRoles(input)
      .filter(({ role }) => role.role_type !== "jwt")
      .map(({ address, role }) => stackFinding(`${address}.role_type`, `is ${JSON.stringify(role.role_type ?? null)}, must be "jwt"`)),
};

export const pipelineAudiences: Rule = {
  id: "PIPE-002",
  explanation: "A pipeline role binds a non-empty list of https audiences; without one it accepts any audience (CVE-2024-5798).",
  fix: "list the audience the pipeline's id_tokens carry under pipeline.<plan|apply>.audiences",
  check: (input) =>
    pipelineRoles(input).flatMap(({ address, role }) => {
      const audiences = role.bound_audiences ?? [];
      if (audiences.length === 0) return [stackFinding(`${address}.bound_audiences`, "is empty: any token audience would be accepted")];
      return audiences.filter((aud) => !/^https:\/\/[^\s/@]+(\/\S*)?$/.test(aud)).map((aud) => stackFinding(`${address}.bound_audiences`, `${JSON.stringify(aud)} is not an https URL`));
    }),
};

export const pipelineSingleProject: Rule = {
  id: "PIPE-003",
  explanation:
    "A pipeline role is bound to this repository's project id (pipeline.projectId), exactly, and to nothing wider: no namespace, path or other claim, no glob, one value.",
  fix: "set pipeline.projectId to this repository's project id; declare the role with the PipelineRole construct",
  check: (input) => {
    const projectId = String(input.config.pipeline?.projectId ?? "");
    return pipelineRoles(input).flatMap(({ address, role, kind }) => {
      const claims = role.bound_claims ?? {};
      const findings: Finding[] = [];
      if (claims.project_id !== projectId || !/^[1-9][0-9]*$/.test(projectId)) {
        findings.push(stackFinding(`${address}.bound_claims.project_id`, `is ${JSON.stringify(claims.project_id ?? null)}, must be exactly pipeline.projectId ${JSON.stringify(projectId)}`));
      }
      for (const claim of Object.keys(claims).filter((c) => !ALLOWED_CLAIMS[kind].includes(c))) {
        findings.push(stackFinding(`${address}.bound_claims.${claim}`, `a ${kind} role binds only ${ALLOWED_CLAIMS[kind].join(", ")}`));
      }
      for (const [claim, value] of Object.entries(claims).filter(([, v]) => /[,*?[\]{}]/.test(v) || v.trim() !== v || v === "")) {
        findings.push(stackFinding(`${address}.bound_claims.${claim}`, `${JSON.stringify(value)} is not one exact value`));
      }
      if (role.bound_claims_type !== "string") findings.push(stackFinding(`${address}.bound_claims_type`, `is ${JSON.stringify(role.bound_claims_type ?? null)}, must be "string"`));
      return findings;
    });
  },
};

export const applyOnProtectedRefs: Rule = {
  id: "PIPE-004",
  explanation: 'The apply role is bound to ref_protected "true": merge-request and unprotected-branch pipelines, which anyone who can push controls, must never get it.',
  fix: "declare the apply role with the PipelineRole construct (kind apply)",
  check: (input) =>
    pipelineRoles(input)
      .filter(({ kind, role }) => kind === "apply" && role.bound_claims?.ref_protected !== "true")
      .map(({ address, role }) => stackFinding(`${address}.bound_claims.ref_protected`, `is ${JSON.stringify(role.bound_claims?.ref_protected ?? null)}, must be "true"`)),
};

/** A refresh only reads; no call the provider makes on refresh needs sudo (lib/operations/pipeline-access.ts cites each). */
const PLAN_CAPABILITIES = ["read"];

/** Does this exact policy path reach a secret's value (a KV v2 data path, raw storage, a cubbyhole)? */
function reachesSecretValue(path: string, kvMount: string): boolean {
  const [mount, second] = path.split("/");
  return (mount === kvMount && second !== "metadata") || second === "data" || path.startsWith("sys/raw") || path.startsWith("cubbyhole");
}

export const planReadsNoSecret: Rule = {
  id: "PIPE-005",
  explanation:
    "The plan role (usable by any merge request) reads configuration only: capability read only (no sudo: no refresh call needs it), exact paths without * or +, and never a secret value (no <mount>/data/ path, raw storage or cubbyhole).",
  fix: "keep secret values out of the plan policy: kv secrets are refreshed with disable_read, so a plan needs none",
  check: (input) =>
    pipelineRoles(input)
      .filter(({ kind }) => kind === "plan")
      .flatMap((view) =>
        grantsOf(input, view).flatMap(({ address, rules }) => {
          if (!rules) return [stackFinding(`${address}.policy`, "is not a list of path blocks with capabilities")];
          return rules.flatMap(({ path, capabilities }) => {
            const problems: string[] = [];
            if (/[*+]/.test(path)) problems.push(`${JSON.stringify(path)} is a glob`);
            if (reachesSecretValue(path, input.config.vault.kvMount)) problems.push(`${JSON.stringify(path)} reaches a secret value`);
            const extra = capabilities.filter((c) => !PLAN_CAPABILITIES.includes(c));
            if (extra.length > 0) problems.push(`grants ${JSON.stringify(extra)} on ${JSON.stringify(path)}, only read`);
            return problems.map((p) => stackFinding(`${address}.policy`, `plan role ${view.name}: ${p}`));
          });
        }),
      ),
};

export const pipelineTokenLifetime: Rule = {
  id: "PIPE-006",
  explanation: `Pipeline tokens are short-lived: 0 < token_ttl <= token_max_ttl <= ${MAX_TOKEN_TTL_SECONDS / 60} minutes, not periodic, no explicit max above the ceiling.`,
  fix: "set pipeline.<plan|apply>.tokenTtl and tokenMaxTtl, e.g. 15m and 30m",
  check: (input) =>
    pipelineRoles(input).flatMap(({ address, role }) => {
      const ttl = role.token_ttl ?? 0;
      const max = role.token_max_ttl ?? 0;
      const findings: Finding[] = [];
      if (ttl <= 0) findings.push(stackFinding(`${address}.token_ttl`, `is ${ttl}: unset means Vault's system default (32 days)`));
      if (max <= 0 || max > MAX_TOKEN_TTL_SECONDS) findings.push(stackFinding(`${address}.token_max_ttl`, `is ${max}s, must be between 1s and ${MAX_TOKEN_TTL_SECONDS}s`));
      if (ttl > max) findings.push(stackFinding(`${address}.token_ttl`, `${ttl}s exceeds token_max_ttl ${max}s`));
      if ((role.token_period ?? 0) > 0) findings.push(stackFinding(`${address}.token_period`, `is ${role.token_period}: periodic tokens never expire`));
      if ((role.token_explicit_max_ttl ?? 0) > MAX_TOKEN_TTL_SECONDS) findings.push(stackFinding(`${address}.token_explicit_max_ttl`, `is ${role.token_explicit_max_ttl}s, above the ${MAX_TOKEN_TTL_SECONDS}s ceiling`));
      return findings;
    }),
};

export const pipelinePoliciesExact: Rule = {
  id: "PIPE-007",
  explanation:
    "A pipeline role carries only its own policy (pipeline.<role>, no default), which grants exactly what the synthesized resources need (lib/operations/pipeline-access.ts applied to the Terraform JSON): nothing missing, nothing more.",
  fix: "declare the role with the PipelineRole construct; for a new kind of Vault resource, add its paths to PROVIDER_NEEDS in lib/operations/pipeline-access.ts",
  check: (input) => {
    if (!input.config.pipeline) return [];
    const { needs, unknown } = needsFromTerraform(input);
    const findings: Finding[] = unknown.map((address) => stackFinding(address, "is a Vault resource the pipeline roles have no capabilities for (PROVIDER_NEEDS)"));
    for (const view of pipelineRoles(input)) {
      const { address, role, name, kind } = view;
      const expectedPolicy = pipelinePolicyName(name);
      const policies = role.token_policies ?? [];
      if (policies.length !== 1 || policies[0] !== expectedPolicy) {
        findings.push(stackFinding(`${address}.token_policies`, `is ${JSON.stringify(policies)}, must be exactly ["${expectedPolicy}"]`));
      }
      if (role.token_no_default_policy !== true) findings.push(stackFinding(`${address}.token_no_default_policy`, "is not true: tokens would get the default policy"));
      const grants = grantsOf(input, view).filter((g) => g.name === expectedPolicy);
      if (grants.length === 0) {
        findings.push(stackFinding(`${address}.token_policies`, `policy ${JSON.stringify(expectedPolicy)} is not declared in this stack`));
        continue;
      }
      // The GitLab token's need has an empty plan column: only the apply role reads it.
      const expected = expectedGrants([...needs, gitlabTokenNeed(input.config.vault.kvMount, input.config.pipeline)], kind);
      for (const { address: policyAddress, rules } of grants) {
        const actual = new Map((rules ?? []).map((r) => [r.path, [...r.capabilities].sort().join(",")]));
        for (const [path, caps] of expected) {
          if (actual.get(path) !== caps) findings.push(stackFinding(`${policyAddress}.policy`, `${kind} role ${name} needs exactly [${caps}] on ${JSON.stringify(path)}, has [${actual.get(path) ?? ""}]`));
        }
        for (const path of actual.keys()) {
          if (!expected.has(path)) findings.push(stackFinding(`${policyAddress}.policy`, `${kind} role ${name} grants ${JSON.stringify(path)}, which no managed resource needs`));
        }
      }
    }
    return findings;
  },
};

/** Where docs/enable-pipeline.md and examples/with-pipeline.yaml tell people to put the apply job's GitLab token. */
export const DEFAULT_GITLAB_TOKEN_PATH = "ci/vault-ci-access/gitlab-token";

/** The GitLab token's path (pipeline.gitlabTokenPath, else the documented default) and the folder it lives in. */
export function reservedPipelinePaths(input: RuleInput): { token: string; folder?: string } {
  const token = input.config.pipeline?.gitlabTokenPath ?? DEFAULT_GITLAB_TOKEN_PATH;
  const folder = token.includes("/") ? token.slice(0, token.lastIndexOf("/")) : undefined;
  return { token, ...(folder ? { folder } : {}) };
}

export const pipelinePathsReserved: Rule = {
  id: "PIPE-008",
  explanation: `The apply job's GitLab token (pipeline.gitlabTokenPath, else ${DEFAULT_GITLAB_TOKEN_PATH}) and every secret in its folder are for the pipeline roles only: no CI role may read them, with or without a pipeline section (a token put there before the section is enabled would otherwise go to every CI job).`,
  fix: "read the secret from another folder; the GitLab token reaches only the apply role (docs/enable-pipeline.md)",
  check: (input) => {
    const { token, folder } = reservedPipelinePaths(input);
    const { kvMount } = input.config.vault;
    const reserved = `${JSON.stringify(token)}${folder ? ` and its folder ${JSON.stringify(`${folder}/`)}` : ""}`;
    const isReserved = (path: string) => path === token || (folder !== undefined && path.startsWith(`${folder}/`));
    const findings: Finding[] = [];
    const inData = new Set<string>();
    input.config.roles.forEach((role, i) =>
      role.reads.forEach((read, j) => {
        if (!isReserved(read.path)) return;
        inData.add(role.name);
        findings.push(dataFinding(`roles[${i}].reads[${j}].path`, `${JSON.stringify(read.path)}: CI role ${role.name} may not read ${reserved}, reserved for the pipeline roles`));
      }),
    );
    // The stack as well (a glob, a code change): a CI role's policy that reads the token or a secret of its folder.
    const tokenData = kvDataPath(kvMount, token);
    const folderData = folder === undefined ? undefined : `${kvDataPath(kvMount, folder)}/`;
    const policies = policiesByName(input);
    for (const { address, name, role } of ciRoles(input).filter((view) => !inData.has(view.name))) {
      for (const policyName of role.token_policies ?? []) {
        for (const [policyAddress, policy] of policies.get(policyName) ?? []) {
          for (const rule of (parsePolicyRules(policy.policy ?? "") ?? []).filter((r) => r.capabilities.includes("read"))) {
            if (pathMatches(rule.path, tokenData) || (folderData !== undefined && rule.path.startsWith(folderData))) {
              findings.push(stackFinding(`${policyAddress}.policy`, `lets CI role ${name} (${address}) read ${JSON.stringify(rule.path)}: ${reserved} are reserved for the pipeline roles`));
            }
          }
        }
      }
    }
    return findings;
  },
};

export const PIPELINE_RULES: readonly Rule[] = [
  pipelineRoleTypeJwt,
  pipelineAudiences,
  pipelineSingleProject,
  applyOnProtectedRefs,
  planReadsNoSecret,
  pipelineTokenLifetime,
  pipelinePoliciesExact,
  pipelinePathsReserved,
];

/** The parsed policies a pipeline role carries (undefined rules: the text is not plain path blocks). */
function grantsOf(input: RuleInput, view: PipelineRoleView): { name: string; address: string; rules: ReturnType<typeof parsePolicyRules> }[] {
  const policies = policiesByName(input);
  return (view.role.token_policies ?? []).flatMap((name) =>
    (policies.get(name) ?? []).map(([address, policy]: [string, TfPolicy]) => ({ name, address, rules: parsePolicyRules(policy.policy ?? "") })),
  );
}

/** path -> sorted capabilities, for one role kind. */
function expectedGrants(needs: readonly PathNeed[], kind: PipelineKind): Map<string, string> {
  return new Map(needs.filter((n) => n[kind].length > 0).map((n) => [n.path, [...n[kind]].sort().join(",")]));
}

/** `${vault_mount.kv_secret.path}` -> that resource's literal path; a literal stays as it is. */
function resolvePath(input: RuleInput, value: string | undefined): string {
  const reference = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.path\}$/.exec(value ?? "");
  if (!reference) return value ?? "";
  return String((input.tf.resource?.[reference[1]]?.[reference[2]] as { path?: string } | undefined)?.path ?? value);
}

/** What the synthesized Vault resources need, by the same table as the data-side derivation; and any resource it does not know. */
function needsFromTerraform(input: RuleInput): { needs: PathNeed[]; unknown: string[] } {
  const unknown: string[] = [];
  const vaultTypes = Object.keys(input.tf.resource ?? {}).filter((type) => type.startsWith("vault_"));
  const vaultProvider = (input.tf.provider as { vault?: unknown } | undefined)?.vault !== undefined;
  // The provider's own calls when it sets up its client (auth/token/lookup-self): whenever it is configured at all.
  const needs: PathNeed[] = vaultProvider || vaultTypes.length > 0 ? [...PROVIDER_NEEDS.client()] : [];
  for (const [type, byName] of Object.entries(input.tf.resource ?? {})) {
    if (!type.startsWith("vault_")) continue;
    for (const [name, body] of Object.entries(byName)) {
      switch (type) {
        case "vault_jwt_auth_backend":
          needs.push(...PROVIDER_NEEDS.jwtAuthMount((body as TfAuthBackend).path ?? ""));
          break;
        case "vault_jwt_auth_backend_role":
          needs.push(...PROVIDER_NEEDS.jwtRole(resolvePath(input, (body as TfRole).backend), (body as TfRole).role_name ?? ""));
          break;
        case "vault_policy":
          needs.push(...PROVIDER_NEEDS.aclPolicy((body as TfPolicy).name ?? ""));
          break;
        case "vault_kv_secret_v2":
          needs.push(...PROVIDER_NEEDS.kvSecret(resolvePath(input, (body as TfKvSecret).mount), (body as TfKvSecret).name ?? ""));
          break;
        case "vault_mount":
          needs.push(...PROVIDER_NEEDS.kvMount((body as { path?: string }).path ?? ""));
          break;
        default:
          unknown.push(`${type}.${name}`);
      }
    }
  }
  return { needs, unknown };
}
