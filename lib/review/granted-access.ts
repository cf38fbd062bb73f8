/**
 * What a synthesized stack grants, read back from its Terraform JSON alone (never from the data file): who can log
 * in to which JWT role, what each policy allows path by path, which secrets exist and who can read them, and the
 * GitLab CI variables. The access report (ACCESS.md) and the access diff both read the JSON through this one module,
 * so they cannot disagree about what a configuration means.
 */
import {
  parsePolicyRules,
  resourcesOf,
  type TerraformJson,
  type TfAuthBackend,
  type TfGroupVariable,
  type TfKvSecret,
  type TfPolicy,
  type TfRole,
} from "../../rules/terraform-json";
import { compareText } from "../model/order";

/** A JWT auth method (`vault_jwt_auth_backend`). */
export interface AuthMethod {
  /** Mount path: `jwt` for `auth/jwt/`. */
  readonly path: string;
  /** The exact `iss` a token must carry; undefined accepts any issuer whose keys validate. */
  readonly issuer?: string;
  /** Where the signing keys come from, in words: `OIDC discovery at https://...`. */
  readonly keySource: string;
  /** The role a login that names none falls into. */
  readonly defaultRole?: string;
}

export interface BoundClaim {
  readonly claim: string;
  /** A token's claim must equal one of these (the provider splits a value on commas unless parsing is disabled). */
  readonly values: readonly string[];
}

/** One policy `path` block, or several merged: the capabilities a holder has on a path (pattern). */
export interface PathGrant {
  /** As written in the policy; may end in `*` (prefix glob) or contain `+` (one segment). */
  readonly path: string;
  /** Sorted. */
  readonly capabilities: readonly string[];
  /** The policies that grant them, sorted. */
  readonly policies: readonly string[];
}

/** A `vault_policy`. */
export interface GrantedPolicy {
  readonly name: string;
  readonly text: string;
  /** The path blocks, sorted by path; undefined when the text is anything but plain path blocks (shown in full). */
  readonly rules?: readonly PathGrant[];
  /** Roles whose tokens carry it, sorted. */
  readonly roles: readonly string[];
  /**
   * For a policy no role carries: the readers that the secrets it grants name in their custom_metadata and that
   * are not roles here (workloads that log in outside this configuration, e.g. with AppRole), sorted.
   */
  readonly workloads: readonly string[];
}

/** A JWT role (`vault_jwt_auth_backend_role`). */
export interface GrantedRole {
  readonly name: string;
  /** Mount path of its auth method: tokens log in at `auth/<authPath>/login`. */
  readonly authPath: string;
  /** Its auth method, when this configuration declares it. */
  readonly auth?: AuthMethod;
  /** `jwt` for CI; the provider's default when unset is `oidc`. */
  readonly roleType: string;
  /** Sorted; empty means any audience. */
  readonly audiences: readonly string[];
  /** Sorted by claim. */
  readonly claims: readonly BoundClaim[];
  /** `string` (exact) or `glob`. */
  readonly claimsType: string;
  readonly userClaim?: string;
  /** Claims copied into token metadata, sorted. */
  readonly claimMappings: readonly string[];
  /** Seconds; undefined or 0 means Vault's default. */
  readonly ttl?: number;
  readonly maxTtl?: number;
  readonly explicitMaxTtl?: number;
  readonly period?: number;
  /** 0 or undefined: unlimited. */
  readonly numUses?: number;
  /** Sorted; empty means from anywhere. */
  readonly boundCidrs: readonly string[];
  /** Tokens also carry Vault's built-in `default` policy. */
  readonly defaultPolicy: boolean;
  /** token_policies, sorted. */
  readonly policies: readonly string[];
  /** Everything its declared, readable policies allow, merged per path, sorted by path. */
  readonly grants: readonly PathGrant[];
  /** token_policies that this configuration does not declare: their rules are not visible here. */
  readonly undeclaredPolicies: readonly string[];
  /** token_policies declared here whose text is not plain path blocks. */
  readonly unreadablePolicies: readonly string[];
}

/** A KV v2 secret: written here (`vault_kv_secret_v2`), or named by an exact `<mount>/data/<path>` policy path. */
export interface StoredSecret {
  /** `secret/data/nexus/svc-orchestrator`. */
  readonly dataPath: string;
  /** Key names from the `secret_keys` output; undefined when the JSON does not say. */
  readonly keys?: readonly string[];
  /** Present when this configuration writes the secret. */
  readonly written?: {
    readonly version?: number;
    /** custom_metadata (readers, used_by, nexus_permissions, ...). */
    readonly metadata: Readonly<Record<string, string>>;
  };
}

/** A GitLab CI/CD variable (group, project or instance level). */
export interface CiVariable {
  /** Terraform address: the variable's identity across two configurations. */
  readonly address: string;
  readonly key: string;
  /** `group 9`, `project 42` or `the instance`. */
  readonly owner: string;
  readonly value?: string;
  readonly masked: boolean;
  readonly protected: boolean;
  readonly raw: boolean;
  /** `*` for every environment. */
  readonly environmentScope: string;
  readonly variableType: string;
  readonly description?: string;
}

export interface GrantedAccess {
  /** The Vault provider's address: where `terraform apply` configures all of this. */
  readonly vaultAddress?: string;
  readonly authMethods: readonly AuthMethod[];
  readonly roles: readonly GrantedRole[];
  readonly policies: readonly GrantedPolicy[];
  readonly secrets: readonly StoredSecret[];
  readonly variables: readonly CiVariable[];
  /** The `account_metadata` output: per account secret's data path, its notes (readers, used_by, workload_only). */
  readonly accountNotes: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The `guardrail_waivers` output: `<list>/<entry>/<rule>` -> the written reason. */
  readonly waivers: Readonly<Record<string, string>>;
}

const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort(compareText);
const byName = <T extends { name: string }>(a: T, b: T) => compareText(a.name, b.name);

/** Reads a synthesized stack (`cdk.tf.json`, or `stack.toTerraform()`). */
export function readGrantedAccess(tf: TerraformJson): GrantedAccess {
  const authMethods = resourcesOf<TfAuthBackend>(tf, "vault_jwt_auth_backend")
    .map(([, backend]) => readAuthMethod(backend))
    .sort((a, b) => compareText(a.path, b.path));
  const rawRoles = resourcesOf<TfRole>(tf, "vault_jwt_auth_backend_role").map(([, role]) => role);
  // Account facts live in the account_metadata output (older stacks: in each secret's custom_metadata).
  const accountNotes = readAccountMetadata(tf);
  const secretsWritten = resourcesOf<TfKvSecret>(tf, "vault_kv_secret_v2").map(([, secret]) => {
    const dataPath = `${resolveReference(tf, secret.mount) ?? ""}/data/${secret.name ?? ""}`;
    return { dataPath, written: { version: secret.data_json_wo_version, metadata: { ...(secret.custom_metadata?.data ?? {}), ...(accountNotes[dataPath] ?? {}) } } };
  });
  const roleNames = new Set(rawRoles.map((role) => role.role_name ?? ""));
  const readersIn = (metadata: Readonly<Record<string, string>>) => (metadata.readers ?? "").split(/\s+/).filter(Boolean);
  const metadataReaders = new Map([
    ...secretsWritten.map((s): [string, string[]] => [s.dataPath, readersIn(s.written.metadata)]),
    ...Object.entries(accountNotes).map(([dataPath, notes]): [string, string[]] => [dataPath, readersIn(notes)]),
  ]);

  // policy name -> the roles whose tokens carry it (one pass: a role per policy would be quadratic at scale).
  const rolesCarrying = new Map<string, string[]>();
  for (const role of rawRoles) {
    for (const policy of role.token_policies ?? []) rolesCarrying.set(policy, [...(rolesCarrying.get(policy) ?? []), role.role_name ?? ""]);
  }
  const policies: GrantedPolicy[] = resourcesOf<TfPolicy>(tf, "vault_policy")
    .map(([, policy]) => {
      const name = policy.name ?? "";
      const text = policy.policy ?? "";
      const rules = readPolicyRules(name, text);
      const roles = sorted(rolesCarrying.get(name) ?? []);
      const workloads =
        roles.length > 0 || !rules
          ? []
          : sorted(
              [...metadataReaders]
                .filter(([dataPath]) => rules.some((rule) => pathMatches(rule.path, dataPath)))
                .flatMap(([, readers]) => readers.filter((reader) => !roleNames.has(reader))),
            );
      return { name, text, ...(rules ? { rules } : {}), roles, workloads };
    })
    .sort(byName);
  const policyByName = new Map(policies.map((p) => [p.name, p]));

  const roles = rawRoles.map((role) => readRole(tf, role, authMethods, policyByName)).sort(byName);

  const keys = readSecretKeys(tf);
  const secretPaths = sorted([
    ...secretsWritten.map((s) => s.dataPath),
    ...policies.flatMap((p) => (p.rules ?? []).map((r) => r.path)).filter(isExactKvDataPath),
    ...Object.keys(keys),
  ]);
  const writtenByPath = new Map(secretsWritten.map((s) => [s.dataPath, s.written]));
  const secrets = secretPaths.map((dataPath): StoredSecret => {
    const written = writtenByPath.get(dataPath);
    return { dataPath, ...(keys[dataPath] ? { keys: keys[dataPath] } : {}), ...(written ? { written } : {}) };
  });

  const provider = (tf.provider as { vault?: { address?: string }[] } | undefined)?.vault?.[0];
  return {
    ...(provider?.address ? { vaultAddress: provider.address } : {}),
    authMethods,
    roles,
    policies,
    secrets,
    variables: readVariables(tf),
    accountNotes,
    waivers: readWaivers(tf),
  };
}

function readAuthMethod(backend: TfAuthBackend): AuthMethod {
  const sources = [
    backend.oidc_discovery_url && `OIDC discovery at ${backend.oidc_discovery_url}`,
    backend.jwks_url && `JWKS at ${backend.jwks_url}`,
    (backend.jwt_validation_pubkeys?.length ?? 0) > 0 && `${backend.jwt_validation_pubkeys!.length} static public key(s)`,
  ].filter((s): s is string => Boolean(s));
  return {
    path: backend.path ?? "jwt",
    ...(backend.bound_issuer ? { issuer: backend.bound_issuer } : {}),
    keySource: sources.join(" and ") || "no key source",
    ...(backend.default_role ? { defaultRole: backend.default_role } : {}),
  };
}

function readRole(tf: TerraformJson, role: TfRole, authMethods: readonly AuthMethod[], policies: ReadonlyMap<string, GrantedPolicy>): GrantedRole {
  const authPath = resolveReference(tf, role.backend) ?? "jwt";
  const auth = authMethods.find((method) => method.path === authPath);
  const tokenPolicies = sorted(role.token_policies ?? []);
  const declared = tokenPolicies.map((name) => policies.get(name)).filter((p): p is GrantedPolicy => p !== undefined);
  const splitValues = role.disable_bound_claims_parsing !== true;
  return {
    name: role.role_name ?? "",
    authPath,
    ...(auth ? { auth } : {}),
    // The Vault provider's default role type is oidc (a browser login), not jwt.
    roleType: role.role_type ?? "oidc",
    audiences: sorted(role.bound_audiences ?? []),
    claims: Object.entries(role.bound_claims ?? {})
      .map(([claim, value]) => ({ claim, values: splitValues ? sorted(String(value).split(",").map((v) => v.trim())) : [String(value)] }))
      .sort((a, b) => compareText(a.claim, b.claim)),
    claimsType: role.bound_claims_type ?? "string",
    ...(role.user_claim ? { userClaim: role.user_claim } : {}),
    claimMappings: sorted(Object.keys(role.claim_mappings ?? {})),
    ttl: role.token_ttl,
    maxTtl: role.token_max_ttl,
    explicitMaxTtl: role.token_explicit_max_ttl,
    period: role.token_period,
    numUses: role.token_num_uses,
    boundCidrs: sorted(role.token_bound_cidrs ?? []),
    defaultPolicy: role.token_no_default_policy !== true,
    policies: tokenPolicies,
    grants: mergeGrants(declared.flatMap((policy) => policy.rules ?? [])),
    undeclaredPolicies: tokenPolicies.filter((name) => !policies.has(name)),
    unreadablePolicies: declared.filter((policy) => !policy.rules).map((policy) => policy.name),
  };
}

function readPolicyRules(name: string, text: string): PathGrant[] | undefined {
  const rules = parsePolicyRules(text);
  return rules && mergeGrants(rules.map((rule) => ({ ...rule, policies: [name] })));
}

/** Several blocks on the same path, from one policy or several: Vault unions their capabilities. */
export function mergeGrants(grants: readonly PathGrant[]): PathGrant[] {
  const byPath = new Map<string, { capabilities: Set<string>; policies: Set<string> }>();
  for (const grant of grants) {
    const merged = byPath.get(grant.path) ?? { capabilities: new Set(), policies: new Set() };
    grant.capabilities.forEach((c) => merged.capabilities.add(c));
    grant.policies.forEach((p) => merged.policies.add(p));
    byPath.set(grant.path, merged);
  }
  return [...byPath]
    .sort(([a], [b]) => compareText(a, b))
    .map(([path, merged]) => ({ path, capabilities: sorted(merged.capabilities), policies: sorted(merged.policies) }));
}

/**
 * Whether a policy path covers a concrete path: `+` stands for one segment, a trailing `*` for any suffix.
 * Vault applies only the most specific matching pattern; callers that union every match over-report, never under.
 */
export function pathMatches(pattern: string, path: string): boolean {
  return isPattern(pattern) ? patternRegExp(pattern).test(path) : pattern === path;
}

/** Whether a policy path is a pattern (a `+` segment or a trailing `*`) rather than one exact path. */
const isPattern = (path: string): boolean => path.endsWith("*") || path.split("/").includes("+");

const patternRegExps = new Map<string, RegExp>();
function patternRegExp(pattern: string): RegExp {
  let regExp = patternRegExps.get(pattern);
  if (!regExp) {
    const prefix = pattern.endsWith("*");
    const body = (prefix ? pattern.slice(0, -1) : pattern)
      .split("/")
      .map((segment) => (segment === "+" ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
      .join("/");
    regExp = new RegExp(`^${body}${prefix ? ".*" : ""}$`);
    patternRegExps.set(pattern, regExp);
  }
  return regExp;
}

/**
 * A set of grants indexed for look-ups: exact paths by key, patterns by matching. Built once per grants array, so
 * asking about every secret of a large stack stays linear instead of secrets x grants.
 */
interface GrantIndex {
  readonly exact: ReadonlyMap<string, readonly PathGrant[]>;
  readonly patterns: readonly PathGrant[];
}
const grantIndexes = new WeakMap<readonly PathGrant[], GrantIndex>();
function grantIndex(grants: readonly PathGrant[]): GrantIndex {
  let index = grantIndexes.get(grants);
  if (!index) {
    const exact = new Map<string, PathGrant[]>();
    const patterns: PathGrant[] = [];
    for (const grant of grants) {
      if (isPattern(grant.path)) patterns.push(grant);
      else exact.set(grant.path, [...(exact.get(grant.path) ?? []), grant]);
    }
    index = { exact, patterns };
    grantIndexes.set(grants, index);
  }
  return index;
}

/** The capabilities that a set of grants gives on one concrete path (`deny` wins over everything). */
export function capabilitiesOn(grants: readonly PathGrant[], path: string): string[] {
  const { exact, patterns } = grantIndex(grants);
  const matching = [...(exact.get(path) ?? []), ...patterns.filter((grant) => pathMatches(grant.path, path))];
  const capabilities = sorted(matching.flatMap((grant) => grant.capabilities));
  return capabilities.includes("deny") ? ["deny"] : capabilities;
}

/** `secret/data/a/b`: an exact KV v2 data path (the second segment is `data`, no glob). */
function isExactKvDataPath(path: string): boolean {
  const segments = path.split("/");
  return segments.length >= 3 && segments[1] === "data" && segments.every((s) => s !== "" && !s.includes("*") && s !== "+");
}

/** `${vault_jwt_auth_backend.jwt.path}` -> `jwt` when the JSON declares it; anything else as it is. */
function resolveReference(tf: TerraformJson, value: string | undefined): string | undefined {
  const match = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z0-9_]+)\}$/.exec(value ?? "");
  if (!match) return value;
  const target = tf.resource?.[match[1]]?.[match[2]]?.[match[3]];
  return typeof target === "string" ? target : value;
}

function readAccountMetadata(tf: TerraformJson): Record<string, Readonly<Record<string, string>>> {
  const output = (tf.output as Record<string, { value?: unknown }> | undefined)?.account_metadata?.value;
  if (!output || typeof output !== "object") return {};
  return Object.fromEntries(
    Object.entries(output as Record<string, unknown>).filter((entry): entry is [string, Record<string, string>] => !!entry[1] && typeof entry[1] === "object"),
  );
}

function readWaivers(tf: TerraformJson): Record<string, string> {
  const output = (tf.output as Record<string, { value?: unknown }> | undefined)?.guardrail_waivers?.value;
  if (!output || typeof output !== "object") return {};
  return Object.fromEntries(Object.entries(output as Record<string, unknown>).map(([key, reason]) => [key, String(reason)]));
}

function readSecretKeys(tf: TerraformJson): Record<string, readonly string[]> {
  const output = (tf.output as Record<string, { value?: unknown }> | undefined)?.secret_keys?.value;
  if (!output || typeof output !== "object") return {};
  return Object.fromEntries(
    Object.entries(output as Record<string, unknown>).filter((entry): entry is [string, string[]] => Array.isArray(entry[1])),
  );
}

const VARIABLE_OWNERS: Record<string, (v: TfGroupVariable) => string> = {
  gitlab_group_variable: (v) => `group ${v.group ?? "?"}`,
  gitlab_project_variable: (v) => `project ${v.project ?? "?"}`,
  gitlab_instance_variable: () => "the instance",
};

function readVariables(tf: TerraformJson): CiVariable[] {
  return Object.entries(VARIABLE_OWNERS)
    .flatMap(([type, owner]) =>
      resourcesOf<TfGroupVariable>(tf, type).map(([address, v]): CiVariable => ({
        address,
        key: v.key ?? "",
        owner: owner(v),
        ...(v.value !== undefined ? { value: v.value } : {}),
        // The GitLab provider's defaults: unmasked, unprotected, expanded, every environment.
        masked: v.masked === true,
        protected: v.protected === true,
        raw: v.raw === true,
        environmentScope: v.environment_scope ?? "*",
        variableType: v.variable_type ?? "env_var",
        ...(v.description ? { description: v.description } : {}),
      })),
    )
    .sort((a, b) => compareText(`${a.key}\u0000${a.owner}\u0000${a.environmentScope}`, `${b.key}\u0000${b.owner}\u0000${b.environmentScope}`));
}
