/**
 * The access change between two synthesized stacks, in words, each change classified:
 * - widening: someone can do something they could not (a new path, capability, role, audience or variable; a removed
 *   bound claim; a longer token life; glob claims; a different issuer, signing keys or VAULT_ADDR);
 * - narrowing: the reverse;
 * - neutral: changes nobody's access (descriptions, user_claim, claim_mappings, secret metadata, a secret written here).
 * When a change cannot be placed (a changed policy that is not plain path blocks, a bound-claim value swapped for
 * another), it counts as widening: a reviewer looks at it rather than nobody. Pure: two Terraform JSONs in,
 * changes and Markdown out. Reads the JSON with the same reader as ACCESS.md (lib/review/granted-access.ts).
 *
 * That reader models some attributes of some resource types, not the whole JSON. So the structural diff
 * (lib/review/stack-diff.ts) is taken as well, and every block or attribute that differs and that the classified sections do not
 * model (a role's bound_subject or token_type, an auth method's oidc_discovery_ca_pem or tune, a secret's
 * disable_read, a resource type such as vault_identity_group or vault_generic_endpoint, a provider setting) is
 * listed as `unclassified` (unmodelled-changes.ts), which counts like a widening: the diff never says "no change" when the Terraform differs.
 */
import type { TerraformJson } from "../../rules/terraform-json";
import { type AccessChange, change, type Impact } from "./access-change";
import { describeClaim, formatCapabilities, formatTtl } from "./access-report";
import { diffStacks, same, type StackDiff } from "./stack-diff";
import { unmodelledChanges } from "./unmodelled-changes";
import {
  readGrantedAccess,
  type AuthMethod,
  type BoundClaim,
  type CiVariable,
  type GrantedAccess,
  type GrantedPolicy,
  type GrantedRole,
  type PathGrant,
  type StoredSecret,
} from "./granted-access";
import { compareText } from "../model/order";
import { codeBlock } from "../model/text";

export type { AccessChange, Impact } from "./access-change";

/** Exit codes of `npm run access:diff`: 0 no change or only narrowing/neutral, 3 access widens or a change is unclassified (1: error). */
export const EXIT_NO_WIDENING = 0;
export const EXIT_ACCESS_WIDENS = 3;

/** The stack names of both sides, where known (the data file's `stack`; a stack read from JSON has none). */
export interface StackNames {
  readonly base?: string;
  readonly head?: string;
}

export function diffTerraform(base: TerraformJson, head: TerraformJson, stacks: StackNames = {}): AccessChange[] {
  const kept = diffKeptOut(base, head);
  const classified = [...stackRename(stacks), ...diffAccess(readGrantedAccess(base), readGrantedAccess(head)), ...(kept ?? [])];
  const structural = withoutSection(diffStacks(base, head), kept ? "removed" : undefined);
  const rest = unmodelledChanges(base, head, structural);
  if (classified.length > 0 || rest.length > 0) return [...classified, ...rest];
  // Only modelled attributes or outputs differ, and they grant the same (a list reordered, an output restated):
  // still not "no change".
  return [
    ...structural.added.map((address) => change("neutral", `+ ${address} added (neutral: the access read from the Terraform is the same on both sides)`)),
    ...structural.removed.map((address) => change("neutral", `- ${address} removed (neutral: the access read from the Terraform is the same on both sides)`)),
    ...structural.changed.map(({ address, attributes }) => change("neutral", `~ ${address} ${attributes.join(", ")} changed (neutral: the access read from the Terraform is the same on both sides)`)),
  ];
}

/** A `removed` block as this stack writes it: forget the object, keep it (Terraform 1.7+, `destroy = false`). */
const isKeep = (block: NonNullable<TerraformJson["removed"]>[number]): boolean => typeof block.from === "string" && same(block, { from: block.from, lifecycle: { destroy: false } });

/**
 * The `removed` section by the addresses it keeps out of Terraform, not by its place in the list (a list compared
 * item by item said `~ removed 0, 1, 2, 3 changed` after adoption). Neutral: the object stays in Vault as it is,
 * and whether its resource is managed again is in the other lines. Undefined when the section holds anything but
 * such blocks (a removed block that destroys, say): unmodelled-changes.ts then lists it as unclassified.
 */
function diffKeptOut(base: TerraformJson, head: TerraformJson): AccessChange[] | undefined {
  const sections = [base.removed ?? [], head.removed ?? []];
  if (!sections.every((section) => section.every(isKeep))) return undefined;
  const [before, after] = sections.map((section) => new Set(section.map((block) => block.from as string)));
  const only = (a: Set<string>, b: Set<string>) => [...a].filter((address) => !b.has(address)).sort(compareText);
  return [
    ...only(after, before).map((address) => change("neutral", `+ ${address} kept out of Terraform: no longer managed, not destroyed (a removed block; what Vault holds stays as it is)`)),
    ...only(before, after).map((address) => change("neutral", `- ${address} no longer kept out of Terraform (its removed block is gone)`)),
  ];
}

/** The structural diff without one top-level section, which a classified section has accounted for. */
function withoutSection(diff: StackDiff, section: string | undefined): StackDiff {
  if (section === undefined) return diff;
  const other = (address: string) => address !== section;
  return { ...diff, added: diff.added.filter(other), removed: diff.removed.filter(other), changed: diff.changed.filter((c) => other(c.address)) };
}

/**
 * A renamed stack (the data file's `stack`) is one line, not every resource removed and added: the resources are
 * the same, compared above as they are. It counts as wider because the name is the Terraform state's address
 * (terraform/state/<stack>, ACCESS_STACK) and its cdktf.out folder: the next plan starts from an empty state and
 * creates every resource again, over what Vault holds, while the old state's resources stay in Vault unmanaged,
 * so nothing this repository removes later is removed there. A security owner decides whether that was meant.
 */
function stackRename({ base, head }: StackNames): AccessChange[] {
  if (base === undefined || head === undefined || base === head) return [];
  return [
    change(
      "widening",
      `~ stack renamed ${base} -> ${head} (counted as wider: a new Terraform state, terraform/state/${head}; the next plan creates every resource again, and what the state of ${base} manages stays in Vault, managed by nothing)`,
    ),
  ];
}

export function diffAccess(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  return [
    ...diffVaultAddress(base, head),
    ...diffAuthMethods(base, head),
    ...diffRoles(base, head),
    ...diffPoliciesWithoutRole(base, head),
    ...diffSecrets(base, head),
    ...diffVariables(base, head),
    ...diffAccountNotes(base, head),
    ...diffWaivers(base, head),
  ];
}

/** Whether a security owner must approve: something widens, or the access diff cannot classify it. */
export const widens = (changes: readonly AccessChange[]): boolean => changes.some((c) => c.impact === "widening" || c.impact === "unclassified");

export const exitCodeFor = (changes: readonly AccessChange[]): number => (widens(changes) ? EXIT_ACCESS_WIDENS : EXIT_NO_WIDENING);

const SECTIONS: readonly { impact: Impact; title: string; intro?: string }[] = [
  { impact: "widening", title: "Widening" },
  {
    impact: "unclassified",
    title: "Changes the access diff cannot classify",
    intro:
      "The synthesized Terraform differs here in blocks or attributes that the access diff does not model, so it cannot say whether access widens: each counts as widening until a security owner has read it in the stack snapshot (`__snapshots__/stack.test.ts.snap`) or `cdk.tf.json`. Values are not repeated here.",
  },
  { impact: "narrowing", title: "Narrowing" },
  { impact: "neutral", title: "Neutral" },
];

/** `2 changes need`, `1 change needs`. */
const needs = (n: number, what = ""): string => `${n} change${n === 1 ? "" : "s"}${what} need${n === 1 ? "s" : ""}`;

/** Markdown for a merge-request note. `base` names what was compared against, e.g. `main (1a2b3c4d5e6f)`. */
export function renderAccessDiff(changes: readonly AccessChange[], base: string): string {
  const title = `## Access change against \`${base}\``;
  if (changes.length === 0) return `${title}\n\nNo access change: both configurations grant exactly the same.\n`;
  const count = (impact: Impact) => changes.filter((c) => c.impact === impact).length;
  const [wider, unclassified] = [count("widening"), count("unclassified")];
  const rest = `${count("narrowing")} narrowing, ${count("neutral")} neutral.`;
  const summary =
    wider > 0
      ? `**Access widens: ${needs(wider + unclassified)} a security owner's approval${unclassified > 0 ? ` (${unclassified} of them the access diff cannot classify)` : ""}.** ${rest}`
      : unclassified > 0
        ? `**Access may widen: ${needs(unclassified, " that the access diff cannot classify")} a security owner's approval.** ${rest}`
        : `**No widening.** ${rest}`;
  const sections = SECTIONS.filter(({ impact }) => count(impact) > 0).map(({ impact, title: name, intro }) =>
    // Lines carry data-file text (reasons, paths): one line each, in a fence no line can close (lib/model/text.ts).
    [`### ${name} (${count(impact)})`, "", ...(intro ? [intro, ""] : []), codeBlock("diff", changes.filter((c) => c.impact === impact).map((c) => c.line))].join("\n"),
  );
  return `${[title, summary, ...sections, "Computed from the synthesized Terraform JSON of both sides (`npm run access:diff`); `ACCESS.md`'s diff shows the whole picture."].join("\n\n")}\n`;
}

// ---- helpers ----

const IMPACT_WORD: Record<Impact, string> = { widening: "wider", narrowing: "narrower", neutral: "neutral", unclassified: "unclassified" };
/** `~ nexus-ci token_max_ttl 30m -> 60m (wider)` */
const changed = (impact: Impact, what: string, from: string, to: string, why?: string): AccessChange =>
  change(impact, `~ ${what} ${from} -> ${to} (${IMPACT_WORD[impact]}${why ? `: ${why}` : ""})`);

interface Paired<T> {
  readonly added: T[];
  readonly removed: T[];
  readonly both: [T, T][];
}

/** Matches two lists by key, in key order. */
function pair<T>(base: readonly T[], head: readonly T[], key: (item: T) => string): Paired<T> {
  const baseBy = new Map(base.map((item) => [key(item), item]));
  const headBy = new Map(head.map((item) => [key(item), item]));
  const keys = [...new Set([...baseBy.keys(), ...headBy.keys()])].sort(compareText);
  return {
    added: keys.filter((k) => !baseBy.has(k)).map((k) => headBy.get(k)!),
    removed: keys.filter((k) => !headBy.has(k)).map((k) => baseBy.get(k)!),
    both: keys.filter((k) => baseBy.has(k) && headBy.has(k)).map((k) => [baseBy.get(k)!, headBy.get(k)!]),
  };
}

const missingFrom = (items: readonly string[], other: readonly string[]): string[] => items.filter((item) => !other.includes(item));
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item, i) => item === b[i]);
const listOrNone = (items: readonly string[]): string => (items.length > 0 ? items.join(", ") : "(none)");

/**
 * A list that restricts when it is non-empty (audiences, source CIDRs): an entry more admits more, an entry fewer
 * admits fewer, and an empty list admits everything.
 */
function diffRestriction(subject: string, what: string, base: readonly string[], head: readonly string[]): AccessChange[] {
  if (base.length > 0 && head.length === 0) return [change("widening", `- ${subject} no longer checks the ${what}: any ${what} is accepted`)];
  if (base.length === 0 && head.length > 0) return [change("narrowing", `+ ${subject} now requires the ${what} to be ${head.join(" or ")}`)];
  return [
    ...missingFrom(head, base).map((item) => change("widening", `+ ${subject} now also accepts ${what} ${item}`)),
    ...missingFrom(base, head).map((item) => change("narrowing", `- ${subject} no longer accepts ${what} ${item}`)),
  ];
}

/** How long something lives: unset or 0 falls back to Vault's default, longer than any explicit value. */
const lifetime = (seconds: number | undefined): number => (seconds ? seconds : Infinity);

function diffLifetime(subject: string, field: string, base: number | undefined, head: number | undefined): AccessChange[] {
  const [b, h] = [lifetime(base), lifetime(head)];
  if (b === h) return [];
  return [changed(h > b ? "widening" : "narrowing", `${subject} ${field}`, formatTtl(base), formatTtl(head))];
}

// ---- Vault, auth methods ----

function diffVaultAddress(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  if (base.vaultAddress === head.vaultAddress) return [];
  return [changed("neutral", "Terraform configures the Vault at", base.vaultAddress ?? "(none)", head.vaultAddress ?? "(none)", "where this is applied")];
}

const issuerWords = (auth: AuthMethod | undefined): string => (auth ? (auth.issuer ?? "any issuer") : "(auth method not declared here)");

/** A different issuer or key source lets other tokens in; setting an issuer where there was none narrows. */
function trustImpact(base: AuthMethod | undefined, head: AuthMethod | undefined): Impact | undefined {
  if (base?.issuer === head?.issuer && base?.keySource === head?.keySource) return undefined;
  if (base?.keySource === head?.keySource && base && head && base.issuer === undefined) return "narrowing";
  return "widening";
}

function diffAuthMethods(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const { added, removed, both } = pair(base.authMethods, head.authMethods, (a) => a.path);
  const rolesOn = (path: string) => head.roles.filter((r) => r.authPath === path).map((r) => r.name);
  return [
    // A new mount is a new login endpoint trusting these tokens (vault.jwtMount changed, or a second method).
    ...added.map((auth) => change("widening", `+ JWT auth method auth/${auth.path}/ (issuer ${issuerWords(auth)}; keys from ${auth.keySource}): tokens of that issuer can log in there`)),
    ...removed.map((auth) => change("narrowing", `- JWT auth method auth/${auth.path}/ removed`)),
    ...both.flatMap(([b, h]) => {
      const roles = rolesOn(h.path);
      const onRoles = roles.length > 0 ? `roles ${roles.join(", ")}` : "no role logs in there";
      const out: AccessChange[] = [];
      if (b.issuer !== h.issuer) {
        const impact = h.issuer === undefined ? "widening" : b.issuer === undefined ? "narrowing" : "widening";
        out.push(changed(impact, `auth/${h.path}/ bound_issuer`, b.issuer ?? "(any)", h.issuer ?? "(any)", `tokens of this issuer log in to ${onRoles}`));
      }
      if (b.keySource !== h.keySource) out.push(changed("widening", `auth/${h.path}/ signing keys from`, b.keySource, h.keySource, `other keys are trusted for ${onRoles}`));
      if (b.defaultRole !== h.defaultRole) {
        out.push(changed(h.defaultRole === undefined ? "narrowing" : "widening", `auth/${h.path}/ default_role`, b.defaultRole ?? "(none)", h.defaultRole ?? "(none)", "a login that names no role gets it"));
      }
      return out;
    }),
  ];
}

// ---- roles ----

function diffRoles(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const { added, removed, both } = pair(base.roles, head.roles, (r) => r.name);
  return [
    ...added.flatMap((role) => roleAdded(role)),
    ...removed.map((role) => change("narrowing", `- role ${role.name} removed: no token logs in to it any more (it could use ${role.grants.length} path${role.grants.length === 1 ? "" : "s"})`)),
    ...both.flatMap(([b, h]) => diffRole(b, h, base, head)),
  ];
}

function whoCanLogIn(role: GrantedRole): string {
  return [
    `issuer ${issuerWords(role.auth)}`,
    role.audiences.length > 0 ? `audience ${role.audiences.join(" or ")}` : "any audience",
    ...role.claims.map((claim) => describeClaim(claim, role.claimsType)),
    `TTL ${formatTtl(role.ttl)}, max TTL ${formatTtl(role.maxTtl)}`,
  ].join("; ");
}

function roleAdded(role: GrantedRole): AccessChange[] {
  return [
    change("widening", `+ new role ${role.name} at auth/${role.authPath}/ (role type ${role.roleType}): ${whoCanLogIn(role)}`),
    ...diffGrants(role.name, [], role.grants),
    ...role.undeclaredPolicies.map((p) => change("widening", `+ ${role.name} carries policy ${p}, not declared in this configuration (its rules are not visible here)`)),
    ...role.unreadablePolicies.map((p) => change("widening", `+ ${role.name} carries policy ${p}, which is not plain path blocks: read it in ACCESS.md`)),
    ...(role.defaultPolicy ? [change("widening", `+ ${role.name} tokens carry Vault's default policy`)] : []),
  ];
}

function diffRole(b: GrantedRole, h: GrantedRole, base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const name = h.name;
  const out: AccessChange[] = [];
  if (b.authPath !== h.authPath) {
    // Another login endpoint for the same role (vault.jwtMount changed): wider even with the same issuer and keys.
    const impact = trustImpact(b.auth, h.auth) ?? "widening";
    out.push(changed(impact, `${name} logs in at`, `auth/${b.authPath}/`, `auth/${h.authPath}/`, `issuer ${issuerWords(h.auth)}`));
  }
  if (b.roleType !== h.roleType) out.push(changed("widening", `${name} role_type`, b.roleType, h.roleType, "a different login flow"));
  out.push(...diffRestriction(name, "audience", b.audiences, h.audiences));
  if (b.claimsType !== h.claimsType) {
    out.push(changed(h.claimsType === "glob" ? "widening" : b.claimsType === "glob" ? "narrowing" : "widening", `${name} bound_claims_type`, b.claimsType, h.claimsType));
  }
  out.push(...diffClaims(name, b, h));
  out.push(...diffLifetime(name, "token_ttl", b.ttl, h.ttl));
  out.push(...diffLifetime(name, "token_max_ttl", b.maxTtl, h.maxTtl));
  out.push(...diffLifetime(name, "token_explicit_max_ttl", b.explicitMaxTtl, h.explicitMaxTtl));
  // A period makes tokens renewable without end: any period is wider than none.
  if ((b.period ?? 0) !== (h.period ?? 0)) {
    out.push(changed((h.period ?? 0) > (b.period ?? 0) ? "widening" : "narrowing", `${name} token_period`, b.period ? formatTtl(b.period) : "none", h.period ? formatTtl(h.period) : "none"));
  }
  if (lifetime(b.numUses) !== lifetime(h.numUses)) {
    out.push(changed(lifetime(h.numUses) > lifetime(b.numUses) ? "widening" : "narrowing", `${name} token_num_uses`, b.numUses ? String(b.numUses) : "unlimited", h.numUses ? String(h.numUses) : "unlimited"));
  }
  out.push(...diffRestriction(name, "source address", b.boundCidrs, h.boundCidrs));
  if (b.defaultPolicy !== h.defaultPolicy) {
    out.push(h.defaultPolicy ? change("widening", `+ ${name} tokens now also carry Vault's default policy`) : change("narrowing", `- ${name} tokens no longer carry Vault's default policy`));
  }
  // The entity a token maps to: identity groups, entity-templated policies and the audit trail follow it, and a claim
  // the job's user can choose (sub, user_email) lets one caller pass as another.
  if (b.userClaim !== h.userClaim) out.push(changed("widening", `${name} user_claim`, b.userClaim ?? "(none)", h.userClaim ?? "(none)", "the Vault entity, its groups and the audit trail follow this claim"));
  if (!sameList(b.claimMappings, h.claimMappings)) out.push(changed("neutral", `${name} claim_mappings`, listOrNone(b.claimMappings), listOrNone(h.claimMappings), "audit metadata"));
  out.push(
    ...missingFrom(h.undeclaredPolicies, b.undeclaredPolicies).map((p) => change("widening", `+ ${name} now carries policy ${p}, not declared in this configuration (its rules are not visible here)`)),
    ...missingFrom(b.undeclaredPolicies, h.undeclaredPolicies).map((p) => change("narrowing", `- ${name} no longer carries policy ${p}, which was not declared in this configuration`)),
    ...unreadableChanges(name, b.unreadablePolicies, h.unreadablePolicies, base, head),
    ...diffGrants(name, b.grants, h.grants),
  );
  return out;
}

function diffClaims(name: string, b: GrantedRole, h: GrantedRole): AccessChange[] {
  const { added, removed, both } = pair(b.claims, h.claims, (c) => c.claim);
  const values = (claim: BoundClaim) => claim.values.join(",");
  return [
    ...removed.map((claim) => change("widening", `- ${name} no longer requires ${claim.claim} ${values(claim)}: ${describeClaim(claim, b.claimsType)} (bound claim removed)`)),
    ...added.map((claim) => change("narrowing", `+ ${name} now also requires ${claim.claim} ${values(claim)}: ${describeClaim(claim, h.claimsType)}`)),
    ...both
      .filter(([bc, hc]) => !sameList(bc.values, hc.values))
      // Dropping alternatives narrows; any value that was not accepted before admits new jobs.
      .map(([bc, hc]) => changed(missingFrom(hc.values, bc.values).length > 0 ? "widening" : "narrowing", `${name} bound claim ${hc.claim}`, values(bc), values(hc), describeClaim(hc, h.claimsType))),
  ];
}

function unreadableChanges(subject: string, base: readonly string[], head: readonly string[], baseAccess: GrantedAccess, headAccess: GrantedAccess): AccessChange[] {
  const textOf = (access: GrantedAccess, name: string) => access.policies.find((p) => p.name === name)?.text;
  return [
    ...head
      .filter((p) => !base.includes(p) || textOf(baseAccess, p) !== textOf(headAccess, p))
      .map((p) => change("widening", `~ ${subject} carries policy ${p}, which is not plain path blocks and is new or changed: read it in ACCESS.md (counted as wider)`)),
    ...missingFrom(base, head).map((p) => change("narrowing", `- ${subject} no longer carries policy ${p} (not plain path blocks)`)),
  ];
}

const isDenied = (capabilities: readonly string[]): boolean => capabilities.includes("deny");

/** Path by path: a new path or capability widens, a removed one narrows; `deny` the other way round. */
function diffGrants(subject: string, base: readonly PathGrant[], head: readonly PathGrant[]): AccessChange[] {
  const { added, removed, both } = pair(base, head, (g) => g.path);
  return [
    ...added.map((g) =>
      isDenied(g.capabilities) ? change("narrowing", `+ ${subject} is now denied ${g.path}`) : change("widening", `+ ${subject} may now ${formatCapabilities(g.capabilities)} ${g.path}`),
    ),
    ...removed.map((g) =>
      isDenied(g.capabilities) ? change("widening", `- ${subject} is no longer denied ${g.path}`) : change("narrowing", `- ${subject} may no longer ${formatCapabilities(g.capabilities)} ${g.path}`),
    ),
    ...both.flatMap(([b, h]) => {
      if (isDenied(b.capabilities) !== isDenied(h.capabilities)) {
        return isDenied(h.capabilities)
          ? [change("narrowing", `+ ${subject} is now denied ${h.path} (had ${formatCapabilities(b.capabilities)})`)]
          : [change("widening", `- ${subject} is no longer denied ${h.path}: may ${formatCapabilities(h.capabilities)}`)];
      }
      const more = missingFrom(h.capabilities, b.capabilities);
      const fewer = missingFrom(b.capabilities, h.capabilities);
      return [
        ...(more.length > 0 ? [change("widening", `+ ${subject} may now also ${formatCapabilities(more)} ${h.path} (had ${formatCapabilities(b.capabilities)})`)] : []),
        ...(fewer.length > 0 ? [change("narrowing", `- ${subject} may no longer ${formatCapabilities(fewer)} ${h.path} (keeps ${listOrNone(missingFrom(h.capabilities, more))})`)] : []),
      ];
    }),
  ];
}

// ---- policies that no role carries (for workloads outside this configuration) ----

function diffPoliciesWithoutRole(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const free = (p: GrantedPolicy | undefined) => p !== undefined && p.roles.length === 0;
  const holders = (p: GrantedPolicy) => `holders of policy ${p.name} (no CI role${p.workloads.length > 0 ? `; for workloads: ${p.workloads.join(", ")}` : ""})`;
  const { added, removed, both } = pair(base.policies, head.policies, (p) => p.name);
  const out: AccessChange[] = [];
  for (const h of added.filter(free)) {
    out.push(...(h.rules ? diffGrants(holders(h), [], h.rules) : [change("widening", `+ policy ${h.name}, carried by no role and not plain path blocks: read it in ACCESS.md (counted as wider)`)]));
  }
  for (const b of removed.filter(free)) {
    out.push(b.rules ? change("narrowing", `- policy ${b.name} removed (carried by no role; it granted ${b.rules.map((r) => `${formatCapabilities(r.capabilities)} ${r.path}`).join(", ")})`) : change("narrowing", `- policy ${b.name} removed (carried by no role)`));
  }
  for (const [b, h] of both) {
    if (free(b) && free(h)) {
      if (b.rules && h.rules) out.push(...diffGrants(holders(h), b.rules, h.rules));
      else if (b.text !== h.text) out.push(change("widening", `~ policy ${h.name} (carried by no role) changed and is not plain path blocks: read it in ACCESS.md (counted as wider)`));
    } else if (free(b)) {
      out.push(changed("neutral", `policy ${h.name} carried by`, "no role", h.roles.join(", "), "the role's own lines above say what it gains"));
    } else if (free(h)) {
      out.push(changed("neutral", `policy ${h.name} carried by`, b.roles.join(", "), "no role", "the role's own lines above say what it loses"));
    }
  }
  return out;
}

// ---- secrets ----

function diffSecrets(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const { added, removed, both } = pair(base.secrets, head.secrets, (s) => s.dataPath);
  const keys = (s: StoredSecret) => (s.keys ? s.keys.join(", ") : "(not recorded)");
  const metadata = (s: StoredSecret) =>
    Object.entries(s.written?.metadata ?? {})
      .sort(([a], [b]) => compareText(a, b))
      .map(([k, v]) => `${k}=${v}`);
  return [
    ...added.filter((s) => s.written).map((s) => change("neutral", `+ secret ${s.dataPath} is now written by this configuration (keys ${keys(s)})`)),
    ...removed.filter((s) => s.written).map((s) => change("neutral", `- secret ${s.dataPath} is no longer written by this configuration`)),
    ...both.flatMap(([b, h]) => {
      const out: AccessChange[] = [];
      if (!b.written !== !h.written) out.push(change("neutral", `${h.written ? "+" : "-"} secret ${h.dataPath} is ${h.written ? "now" : "no longer"} written by this configuration`));
      if (keys(b) !== keys(h)) out.push(changed("neutral", `keys at ${h.dataPath}`, keys(b), keys(h), "names only"));
      if (b.written && h.written && b.written.version !== h.written.version) {
        out.push(changed("neutral", `secret ${h.dataPath} version`, String(b.written.version ?? "(none)"), String(h.written.version ?? "(none)"), "a new password is written"));
      }
      const [bm, hm] = [metadata(b), metadata(h)];
      if (b.written && h.written && !sameList(bm, hm)) {
        out.push(changed("neutral", `secret ${h.dataPath} custom_metadata`, listOrNone(missingFrom(bm, hm)), listOrNone(missingFrom(hm, bm)), "documentation; access follows the policies"));
      }
      return out;
    }),
  ];
}

// ---- account notes: workload-only marks and workload readers ----

const noteReaders = (notes: Readonly<Record<string, string>> | undefined): string[] => (notes?.readers ?? "").split(/\s+/).filter((r) => r && r !== "(none)");

/**
 * What the account_metadata output says beyond the policies: a secret that loses its workloadOnly mark may be handed
 * to CI by the next change, and a new workload reader (outside this configuration, AppRole) is a new holder.
 */
function diffAccountNotes(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const roles = new Set([...base.roles, ...head.roles].map((r) => r.name));
  const paths = [...new Set([...Object.keys(base.accountNotes), ...Object.keys(head.accountNotes)])].sort(compareText);
  return paths.flatMap((path) => {
    const [b, h] = [base.accountNotes[path], head.accountNotes[path]];
    const out: AccessChange[] = [];
    const [wasOnly, isOnly] = [b?.workload_only === "true", h?.workload_only === "true"];
    if (wasOnly && !isOnly) out.push(change("widening", `- secret ${path} is no longer workloadOnly: CI roles may be granted it`));
    if (!wasOnly && isOnly) out.push(change("narrowing", `+ secret ${path} is now workloadOnly: no CI role may read it`));
    const [bw, hw] = [noteReaders(b).filter((r) => !roles.has(r)), noteReaders(h).filter((r) => !roles.has(r))];
    out.push(
      ...missingFrom(hw, bw).map((w) => change("widening", `+ workload ${w} may now read ${path} (attach its policy by hand: AppRole is not managed here)`)),
      ...missingFrom(bw, hw).map((w) => change("narrowing", `- workload ${w} may no longer read ${path}`)),
    );
    return out;
  });
}

// ---- guardrail waivers ----

/** A new or changed waiver lets the pack accept what it refused: wider, with the reason for the reviewer. */
function diffWaivers(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const keys = [...new Set([...Object.keys(base.waivers), ...Object.keys(head.waivers)])].sort(compareText);
  return keys.flatMap((key) => {
    const [b, h] = [base.waivers[key], head.waivers[key]];
    const [list, entry, rule] = key.split("/");
    const what = `guardrail ${rule} waived on ${list} ${entry}`;
    if (b === h) return [];
    if (b === undefined) return [change("widening", `+ ${what}: ${JSON.stringify(h)}`)];
    if (h === undefined) return [change("narrowing", `- ${what} no longer`)];
    return [change("widening", `~ ${what}, reason changed to ${JSON.stringify(h)}`)];
  });
}

// ---- GitLab variables ----

const shownValue = (v: CiVariable): string => (v.masked ? "(masked)" : (v.value ?? "(none)"));

function diffVariables(base: GrantedAccess, head: GrantedAccess): AccessChange[] {
  const { added, removed, both } = pair(base.variables, head.variables, (v) => v.address);
  const where = (v: CiVariable) => `${v.key} on ${v.owner}${v.environmentScope === "*" ? "" : ` (environment ${v.environmentScope})`}`;
  return [
    ...added.map((v) =>
      change("widening", `+ GitLab variable ${where(v)} = ${shownValue(v)}, ${v.masked ? "masked" : "unmasked"}, ${v.protected ? "protected refs only" : "every pipeline"}`),
    ),
    ...removed.map((v) => change("narrowing", `- GitLab variable ${where(v)} removed`)),
    ...both.flatMap(([b, h]) => {
      const out: AccessChange[] = [];
      const name = where(h);
      if (b.owner !== h.owner) out.push(changed("widening", `${h.key} set on`, b.owner, h.owner, "other projects' jobs see it"));
      if (b.value !== h.value) {
        const why = h.key === "VAULT_ADDR" ? "CI jobs send their ID tokens to this address" : "jobs use the new value";
        out.push(b.masked || h.masked ? change("widening", `~ ${name} masked value changed (wider: ${why})`) : changed("widening", `${name} value`, b.value ?? "(none)", h.value ?? "(none)", why));
      }
      if (b.masked !== h.masked) out.push(changed(h.masked ? "narrowing" : "widening", `${name} masked`, String(b.masked), String(h.masked), h.masked ? "hidden in job logs" : "shown in job logs"));
      if (b.protected !== h.protected) {
        out.push(changed(h.protected ? "narrowing" : "widening", `${name} protected`, String(b.protected), String(h.protected), h.protected ? "protected branches/tags only" : "every pipeline, merge requests too"));
      }
      if (b.environmentScope !== h.environmentScope) {
        out.push(changed(b.environmentScope === "*" ? "narrowing" : "widening", `${h.key} on ${h.owner} environment_scope`, b.environmentScope, h.environmentScope));
      }
      if (b.raw !== h.raw) out.push(changed("neutral", `${name} raw`, String(b.raw), String(h.raw), "whether $ is expanded"));
      if (b.variableType !== h.variableType) out.push(changed("neutral", `${name} variable_type`, b.variableType, h.variableType));
      if (b.description !== h.description) out.push(change("neutral", `~ ${name} description changed (neutral)`));
      return out;
    }),
  ];
}
