/**
 * ACCESS.md: what a synthesized stack grants, in words, for reviewers. Pure: Terraform JSON in, Markdown out,
 * sorted, with no timestamp and no file path, so the committed file changes exactly when access changes.
 */
import type { TerraformJson } from "../../rules/terraform-json";
import {
  capabilitiesOn,
  readGrantedAccess,
  type BoundClaim,
  type CiVariable,
  type GrantedAccess,
  type GrantedPolicy,
  type GrantedRole,
  type StoredSecret,
} from "./granted-access";
import { compareText } from "../model/order";
import { accessDiagram } from "./access-diagram";
import { escapeMarkdown, oneLine, plural } from "../model/text";

export const ACCESS_REPORT_FILE = "ACCESS.md";

export function renderAccessReport(tf: TerraformJson): string {
  const access = readGrantedAccess(tf);
  const sections = [
    header(access),
    pictureSection(access),
    authSection(access),
    rolesSection(access),
    secretsSection(access),
    unattachedPoliciesSection(access),
    unreadablePoliciesSection(access),
    variablesSection(access),
  ];
  return `${sections.filter((s) => s.length > 0).join("\n\n")}\n`;
}

/** Undefined when the committed ACCESS.md is the fresh render; otherwise what to do and the first line that differs. */
export function reportStaleness(committed: string | undefined, fresh: string): string | undefined {
  if (committed === fresh) return undefined;
  const advice = `${ACCESS_REPORT_FILE} is stale: it does not say what the synthesized configuration grants. Run \`npm run access\` and commit ${ACCESS_REPORT_FILE}.`;
  if (committed === undefined) return `${advice}\n(${ACCESS_REPORT_FILE} does not exist.)`;
  const [old, now] = [committed.split("\n"), fresh.split("\n")];
  const line = old.findIndex((text, i) => text !== now[i]);
  const at = line === -1 ? old.length : line;
  return `${advice}\nFirst difference at line ${at + 1}:\n  committed: ${old[at] ?? "(end of file)"}\n  fresh:     ${now[at] ?? "(end of file)"}`;
}

// ---- words shared with the access diff ----

/** Token lifetimes in minutes, as reviewers compare them: 900 -> `15m`; unset or 0 -> Vault's default. */
export function formatTtl(seconds: number | undefined): string {
  if (!seconds) return "unset (Vault's default, 32 days unless tuned)";
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

const or = (values: readonly string[]): string => (values.length <= 1 ? values.join("") : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`);

/**
 * A bound claim in words: namespace_id "9" -> "CI jobs of projects in group 9 (namespace_id 9; subgroups not
 * included)". Plain text (values in double quotes), so that it reads the same in ACCESS.md and in a diff block.
 */
export function describeClaim({ claim, values }: BoundClaim, claimsType = "string"): string {
  const list = or(values.map((v) => JSON.stringify(v)));
  if (claimsType === "glob" && values.some((v) => /[*?[\]{}]/.test(v))) return `whose ${claim} claim matches the glob pattern ${list}`;
  const plain = or(values);
  switch (claim) {
    case "namespace_id":
      return `CI jobs of projects in group${values.length > 1 ? "s" : ""} ${plain} (namespace_id ${plain}; subgroups not included)`;
    case "project_id":
      return `CI jobs of project${values.length > 1 ? "s" : ""} ${plain}`;
    case "ref_protected":
      return values.length === 1 && values[0] === "true"
        ? "on protected branches/tags only"
        : values.length === 1 && values[0] === "false"
          ? "on unprotected branches/tags only"
          : `whose ref_protected claim is ${list}`;
    case "ref_type":
      if (values.length === 1 && values[0] === "branch") return "on branches only";
      if (values.length === 1 && values[0] === "tag") return "on tags only";
      return `whose ref_type is ${list}`;
    case "ref":
      return `on ref ${list}`;
    case "environment":
      return `deploying to environment ${list}`;
    case "environment_protected":
      return values.length === 1 && values[0] === "true" ? "deploying to protected environments only" : `whose environment_protected claim is ${list}`;
    case "pipeline_source":
      return `in pipelines whose source is ${list}`;
    case "namespace_path":
    case "project_path":
      return `whose ${claim} is ${list} (a path: can be renamed and then reused by someone else)`;
    default:
      return `whose ${claim} claim is ${list}`;
  }
}

/** `read` / `create, update`: capabilities as a reviewer reads them. */
export const formatCapabilities = (capabilities: readonly string[]): string => capabilities.join(", ");

// ---- sections ----

/** A code span its text cannot close (a longer fence than any backtick run inside), on one line. */
const code = (text: string): string => {
  const safe = oneLine(text).replace(/\|/g, "\\|");
  const fence = "`".repeat(Math.max(0, ...(safe.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  return fence.length > 1 ? `${fence} ${safe} ${fence}` : `${fence}${safe}${fence}`;
};
const cell = (text: string): string => oneLine(text).replace(/\|/g, "\\|");
const table = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
  [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");

function header(access: GrantedAccess): string {
  const counts = [
    plural(access.roles.length, "JWT role"),
    plural(access.policies.length, "policy", "policies"),
    plural(access.secrets.length, "secret"),
    plural(access.variables.length, "GitLab variable"),
  ].join(" · ");
  return [
    "# Access granted by this configuration",
    "",
    "<!-- Generated by `npm run access`. Do not edit: a test fails when this file is stale. -->",
    "",
    "Read from the synthesized Terraform JSON (what `terraform apply` would configure), not from `access.yaml`: an",
    "independent account of the policies as rendered, the roles' bound claims and the variables. Regenerate with",
    "`npm run access`; compare two versions with `npm run access:diff -- <base>`.",
    "",
    `Vault ${access.vaultAddress ? code(access.vaultAddress) : "(no provider address)"} · ${counts}`,
  ].join("\n");
}

function pictureSection(access: GrantedAccess): string {
  const diagram = accessDiagram(access);
  if (diagram === "") return "";
  return [
    "## At a glance",
    "",
    "Each JWT role, the policies its tokens carry and the secret paths they grant; dashed arrows: workloads that log in",
    "outside CI and the policies no role carries. A workload-only account's secret sits in the red dashed box, which no",
    "CI role's arrow may enter.",
    "",
    diagram,
  ].join("\n");
}

function authSection(access: GrantedAccess): string {
  if (access.authMethods.length === 0) return "";
  return [
    "## JWT auth methods",
    "",
    ...access.authMethods.map(
      (auth) =>
        `- ${code(`auth/${auth.path}/`)}: accepts tokens whose \`iss\` is exactly ${auth.issuer ? code(auth.issuer) : "anything (**no bound_issuer**)"}; ` +
        `signing keys from ${auth.keySource}; ` +
        (auth.defaultRole ? `default role ${code(auth.defaultRole)} (**a login that names no role gets it**).` : "no default role (a login must name its role)."),
    ),
  ].join("\n");
}

function rolesSection(access: GrantedAccess): string {
  if (access.roles.length === 0) return "## Roles\n\nNone.";
  return ["## Roles", ...access.roles.map((role) => roleSection(role, access))].join("\n\n");
}

function roleSection(role: GrantedRole, access: GrantedAccess): string {
  const issuer = role.auth
    ? role.auth.issuer
      ? `issued by ${code(role.auth.issuer)} (bound_issuer of ${code(`auth/${role.authPath}/`)}), signed with keys from ${role.auth.keySource}`
      : `issued by **any issuer** (${code(`auth/${role.authPath}/`)} has no bound_issuer), signed with keys from ${role.auth.keySource}`
    : `accepted by ${code(`auth/${role.authPath}/`)}, an auth method not declared in this configuration`;
  const conditions = [
    issuer,
    role.audiences.length > 0
      ? `its audience (\`aud\`) includes ${or(role.audiences.map(code))}`
      : "**any audience** (no bound_audiences; Vault 1.17+ refuses such a role)",
    ...role.claims.map((claim) => describeClaim(claim, role.claimsType)),
    ...(role.claims.some((c) => c.claim === "namespace_id" || c.claim === "project_id")
      ? []
      : ["**no namespace_id or project_id**: any CI job of the instance whose other claims match"]),
    ...(role.boundCidrs.length > 0 ? [`from ${or(role.boundCidrs.map(code))}`] : []),
  ];
  const lifetimes = [
    `TTL ${formatTtl(role.ttl)}, max TTL ${formatTtl(role.maxTtl)}`,
    ...(role.explicitMaxTtl ? [`explicit max TTL ${formatTtl(role.explicitMaxTtl)}`] : []),
    ...(role.period ? [`**periodic (${formatTtl(role.period)}): renewable without end**`] : []),
    ...(role.numUses ? [`${role.numUses} uses`] : []),
  ].join(", ");
  const tokenFacts = [
    lifetimes,
    role.defaultPolicy ? "**also Vault's built-in `default` policy**" : "no `default` policy",
    `entity per ${role.userClaim ? code(role.userClaim) : "(no user_claim)"} (user_claim)`,
    role.claimMappings.length > 0 ? `claims copied to token metadata: ${role.claimMappings.join(", ")}` : "no claims copied to token metadata",
  ];
  const readOnly = role.grants.every((g) => g.capabilities.length === 1 && g.capabilities[0] === "read");
  const secretKeys = new Map(access.secrets.map((s) => [s.dataPath, s.keys]));
  const rows = role.grants.map((g) => [code(g.path), formatCapabilities(g.capabilities), cell(secretKeys.get(g.path)?.join(", ") ?? "—"), g.policies.map(code).join(", ")]);
  const notes = [
    ...role.undeclaredPolicies.map((p) => `- Its tokens also carry ${code(p)}, **a policy not declared in this configuration**: its rules are not visible here.`),
    ...role.unreadablePolicies.map((p) => `- Its tokens carry ${code(p)}, whose text is not plain path blocks: read it in full below.`),
  ];
  return [
    `### ${code(role.name)}`,
    "",
    `Log in: \`POST /v1/auth/${role.authPath}/login\` with \`role=${role.name}\` (role type ${code(role.roleType)}${role.roleType === "jwt" ? "" : ": **not a CI JWT role**"}).`,
    "",
    `A token can log in when all of these hold${role.claimsType === "glob" ? " (bound claims compared as **glob patterns**)" : ""}:`,
    ...conditions.map((c) => `- ${c}`),
    "",
    `Tokens: ${tokenFacts.join("; ")}.`,
    "",
    role.grants.length === 0
      ? "Grants: nothing from policies declared here."
      : readOnly
        ? `Grants: \`read\` on ${plural(role.grants.length, "path")}, nothing else:`
        : `Grants: **not read-only**, every capability path by path:`,
    ...(role.grants.length > 0 ? ["", table(["path", "capabilities", "keys", "policy"], rows)] : []),
    ...(notes.length > 0 ? ["", ...notes] : []),
  ].join("\n");
}

/** Who can read a secret, in words: roles, then policies no role carries. */
function readersOf(secret: StoredSecret, access: GrantedAccess, unattached: GrantedAccess["policies"], roleNames: ReadonlySet<string>): string {
  const readers: string[] = [];
  const others: string[] = [];
  for (const role of access.roles) {
    const capabilities = capabilitiesOn(role.grants, secret.dataPath);
    if (capabilities.includes("read")) readers.push(code(role.name));
    const rest = capabilities.filter((c) => c !== "read" && c !== "deny");
    if (rest.length > 0) others.push(`${code(role.name)} (${formatCapabilities(rest)})`);
  }
  for (const policy of unattached) {
    if (!capabilitiesOn(policy.rules ?? [], secret.dataPath).includes("read")) continue;
    readers.push(
      policy.workloads.length > 0
        ? `no CI role; policy ${code(policy.name)} for workloads: ${policy.workloads.join(", ")}`
        : `no CI role; policy ${code(policy.name)}, attached to nothing in this configuration`,
    );
  }
  const metadataReaders = (secret.written?.metadata.readers ?? "").split(/\s+/).filter(Boolean);
  const mismatch = metadataReaders.filter((r) => roleNames.has(r) && !readers.includes(code(r)));
  return [
    readers.length > 0 ? readers.join("; ") : "nobody (no policy here grants read)",
    ...(others.length > 0 ? [`also: ${others.join(", ")}`] : []),
    ...(mismatch.length > 0 ? [`**custom_metadata names ${mismatch.join(", ")}, which cannot read it**`] : []),
  ].join("; ");
}

function secretsSection(access: GrantedAccess): string {
  if (access.secrets.length === 0) return "";
  // Once for every secret: per secret, these made the report quadratic (28 s at 30000 accounts).
  const unattached = access.policies.filter((p) => p.roles.length === 0);
  const roleNames = new Set(access.roles.map((r) => r.name));
  const rows = access.secrets.map((secret) => [
    code(secret.dataPath),
    cell(secret.keys?.join(", ") ?? "(not recorded)"),
    cell(readersOf(secret, access, unattached, roleNames)),
    secret.written
      ? cell(
          [
            `yes, write-only${secret.written.version !== undefined ? ` (version ${secret.written.version})` : ""}`,
            ...Object.entries(secret.written.metadata)
              .filter(([key]) => key !== "readers" && key !== "managed_by" && key !== "rotation")
              .sort(([a], [b]) => compareText(a, b))
              // Data-file text (used_by): escaped, so that it can neither format nor inject.
              .map(([key, value]) => `${key}: ${escapeMarkdown(value)}`),
          ].join("; "),
        )
      : "no (written outside this configuration)",
  ]);
  return ["## Secrets: who can read each", "", table(["secret", "keys", "who can read it", "written by this configuration"], rows)].join("\n");
}

function unattachedPoliciesSection(access: GrantedAccess): string {
  const unattached = access.policies.filter((p) => p.roles.length === 0 && p.rules);
  if (unattached.length === 0) return "";
  const rows = unattached.flatMap((policy: GrantedPolicy) =>
    (policy.rules ?? []).map((rule) => [
      code(policy.name),
      code(rule.path),
      formatCapabilities(rule.capabilities),
      policy.workloads.length > 0 ? cell(`workloads: ${policy.workloads.join(", ")}`) : "nothing in this configuration",
    ]),
  );
  return [
    "## Policies carried by no role here",
    "",
    "Attached outside this configuration (for example to an AppRole), by hand.",
    "",
    table(["policy", "path", "capabilities", "for"], rows),
  ].join("\n");
}

function unreadablePoliciesSection(access: GrantedAccess): string {
  const unreadable = access.policies.filter((p) => !p.rules);
  if (unreadable.length === 0) return "";
  return [
    "## Policies that are not plain path blocks",
    "",
    "Their text is shown in full: the report cannot put them in words.",
    ...unreadable.flatMap((p) => ["", `### ${code(p.name)}${p.roles.length > 0 ? ` (carried by ${p.roles.map(code).join(", ")})` : ""}`, "", "```hcl", p.text.trimEnd(), "```"]),
  ].join("\n");
}

function variablesSection(access: GrantedAccess): string {
  if (access.variables.length === 0) return "";
  const yesNo = (value: boolean) => (value ? "yes" : "no");
  const rows = access.variables.map((v: CiVariable) => [
    code(v.key),
    v.masked ? "(masked: not shown)" : v.value !== undefined ? code(v.value) : "(none)",
    v.owner,
    yesNo(v.masked),
    yesNo(v.protected) + (v.protected ? " (protected branches/tags only)" : " (every pipeline, merge requests too)"),
    yesNo(v.raw) + (v.raw ? " (no `$` expansion)" : ""),
    v.environmentScope === "*" ? "all (`*`)" : code(v.environmentScope),
  ]);
  return ["## GitLab CI/CD variables", "", table(["variable", "value", "set on", "masked", "protected", "raw", "environments"], rows)].join("\n");
}
