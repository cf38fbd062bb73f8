/**
 * Rules that hold the data file inside its trust anchors (the repository's trust.yaml or examples/trust.yaml, owned by the security owners alone):
 * the GitLab, Vault, group and JWT mount, the audiences, the namespaces and projects a role may bind, and the token
 * limits. None can be suppressed: changing what is trusted is a change of trust.yaml, reviewed by its owners.
 */
import type { Finding, Rule, RuleInput } from "./rule";
import { dataFinding } from "./rule";
import { parseDuration } from "../lib/model/duration";
import { redactCredentials } from "../lib/model/text";

/** Every role the data file declares, with where it is: CI roles and, when declared, the two pipeline roles. */
function declaredRoles(input: RuleInput): { at: string; audiences: readonly string[]; tokenTtl: string; tokenMaxTtl: string }[] {
  const pipeline = input.config.pipeline;
  return [
    ...input.config.roles.map((role, i) => ({ at: `roles[${i}]`, ...role })),
    ...(pipeline ? (["plan", "apply"] as const).map((kind) => ({ at: `pipeline.${kind}`, ...pipeline[kind] })) : []),
  ];
}

const shown = (value: unknown): string => redactCredentials(JSON.stringify(value));

export const trustAnchors: Rule = {
  id: "TRUST-001",
  explanation:
    "gitlab.url (the issuer and its signing keys), gitlab.groupId, vault.url (where every job sends its ID token) and vault.jwtMount are the trust anchors of trust.yaml: the data file repeats them, never changes them.",
  fix: "write the values of trust.yaml; to trust another GitLab, Vault, group or mount, the security owners change trust.yaml",
  check: (input) => {
    const { config, trust } = input;
    const anchors: [string, unknown, unknown][] = [
      ["gitlab.url", config.gitlab.url, trust.gitlab.url],
      ["gitlab.groupId", config.gitlab.groupId, trust.gitlab.groupId],
      ["vault.url", config.vault.url, trust.vault.url],
      ["vault.jwtMount", config.vault.jwtMount, trust.vault.jwtMount],
    ];
    return anchors.filter(([, value, anchor]) => value !== anchor).map(([path, value, anchor]) => dataFinding(path, `${shown(value)} is not trust.yaml's ${shown(anchor)}`));
  },
};

export const trustedAudiences: Rule = {
  id: "TRUST-002",
  explanation: "Every audience a role binds (CI and pipeline roles) is one of trust.yaml's audiences: a token minted for another service must never log in.",
  fix: "bind an audience listed in trust.yaml; a new audience is the security owners' change to trust.yaml",
  check: (input) =>
    declaredRoles(input).flatMap(({ at, audiences }) =>
      audiences.flatMap((aud, k) => (input.trust.audiences.includes(aud) ? [] : [dataFinding(`${at}.audiences[${k}]`, `${shown(aud)} is not an audience of trust.yaml (${input.trust.audiences.join(", ")})`)])),
    ),
};

export const trustedBindings: Rule = {
  id: "TRUST-003",
  explanation:
    "A role binds only namespaces and projects that trust.yaml allows (bindings.namespaceIds, bindings.projectIds), and pipeline.projectId is an allowed project: a role for another group or any project is refused.",
  fix: "bind an allowed id; a new group or project is the security owners' change to trust.yaml",
  check: (input) => {
    const allowed = {
      namespace_id: new Set(input.trust.bindings.namespaceIds.map(String)),
      project_id: new Set(input.trust.bindings.projectIds.map(String)),
    };
    const findings: Finding[] = [];
    input.config.roles.forEach((role, i) => {
      for (const claim of ["namespace_id", "project_id"] as const) {
        const value = role.boundClaims[claim];
        if (value !== undefined && !allowed[claim].has(value)) {
          findings.push(dataFinding(`roles[${i}].boundClaims.${claim}`, `${shown(value)} is not among trust.yaml's ${claim === "namespace_id" ? "namespaceIds" : "projectIds"} (${[...allowed[claim]].join(", ") || "none"})`));
        }
      }
    });
    const project = input.config.pipeline?.projectId;
    if (project !== undefined && !allowed.project_id.has(String(project))) {
      findings.push(dataFinding("pipeline.projectId", `${project} is not among trust.yaml's projectIds (${[...allowed.project_id].join(", ") || "none"})`));
    }
    return findings;
  },
};

export const trustedLimits: Rule = {
  id: "TRUST-004",
  explanation: "Every role's tokenTtl and tokenMaxTtl stay within trust.yaml's limits.maxTokenTtl, and tokenNumUses within limits.maxTokenNumUses.",
  fix: "shorten the TTL or lower the uses; raising a limit is the security owners' change to trust.yaml",
  check: (input) => {
    const { maxTokenTtl, maxTokenNumUses } = input.trust.limits;
    const ceiling = parseDuration(maxTokenTtl) ?? 0;
    const findings: Finding[] = [];
    for (const role of declaredRoles(input)) {
      for (const field of ["tokenTtl", "tokenMaxTtl"] as const) {
        if ((parseDuration(role[field]) ?? Infinity) > ceiling) findings.push(dataFinding(`${role.at}.${field}`, `${role[field]} is above trust.yaml's maxTokenTtl ${maxTokenTtl}`));
      }
    }
    input.config.roles.forEach((role, i) => {
      if (role.tokenNumUses > maxTokenNumUses) findings.push(dataFinding(`roles[${i}].tokenNumUses`, `${role.tokenNumUses} is above trust.yaml's maxTokenNumUses ${maxTokenNumUses}`));
    });
    return findings;
  },
};

export const TRUST_RULES: readonly Rule[] = [trustAnchors, trustedAudiences, trustedBindings, trustedLimits];
