/**
 * STAND-IN FOR terraform-provider-vault v5.6.0. The Go module registry refuses that provider here (403 "This module
 * version is not available", for the tag's commit by hash and as a pseudo-version), so no test can run
 * `terraform apply` with it. This file makes, through Vault's HTTP API, the calls the provider's Create functions make
 * for the resource types the stack uses, with the values of a synthesized cdk.tf.json; each mapping cites the
 * provider's source at tag v5.6.0 (vault/<file>.go:<line>). It proves what Vault does with the synthesized values
 * (who can log in, with which policies, reading what); it does NOT prove the provider's own translation of them,
 * which only a real provider run can (docs/development.md "End-to-end tests").
 *
 * Scope: the first apply on an empty Vault (Create), and the read-back comparison a plan's refresh would make
 * (Read), used after apply and to detect drift. Updates, imports and deletes are not modelled. A resource type or
 * argument the stand-in does not know is refused with an error, never skipped silently; gitlab_* resources are
 * listed as not applied (no GitLab here).
 */
import { evaluateJson, ExpressionError, type Scope, type Value } from "./hcl-expressions";
import type { VaultApi } from "./vault";

type Config = Record<string, any>;

export interface StackJson {
  readonly resource?: Record<string, Record<string, Config>>;
  readonly variable?: Record<string, { default?: unknown }>;
  readonly import?: unknown[];
}

/** One HTTP call the provider makes. `body` may hold a password: never print it. */
export interface VaultCall {
  readonly method: "POST" | "PUT";
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** What a refresh compares for one resource: the path it reads and the fields it sets in state from the answer. */
export interface ReadBack {
  readonly address: string;
  readonly path: string;
  /** Field -> expected value, in the form the provider's Read stores it. */
  readonly expected: Record<string, unknown>;
  /** Vault's answer -> the same fields, as the provider's Read normalizes them. */
  readonly actual: (data: Record<string, any>) => Record<string, unknown>;
}

export interface PlannedResource {
  readonly address: string;
  readonly calls: VaultCall[];
  readonly readBacks: ReadBack[];
}

/** Resource types the stand-in applies, in the order a first apply needs them (the role names the backend). */
const ORDER = ["vault_jwt_auth_backend", "vault_policy", "vault_jwt_auth_backend_role", "vault_kv_secret_v2"] as const;
/** Terraform meta-arguments and cdktf's metadata: not sent to Vault. */
const META = new Set(["//", "lifecycle", "depends_on", "provider", "count", "for_each"]);

/** Every resource's calls and read-backs, from the stack and the variables' values (e.g. passwords). */
export function planStack(tf: StackJson, variables: Record<string, string | undefined>): { resources: PlannedResource[]; notApplied: string[] } {
  if (tf.import?.length) throw new Error("the provider stand-in does not model adoption (import blocks): only a real provider run can");
  const resources = tf.resource ?? {};
  // terraform_data (the account guard) is Terraform's built-in resource: it makes no call to Vault.
  const unknown = Object.keys(resources).filter((type) => !(ORDER as readonly string[]).includes(type) && !type.startsWith("gitlab_") && type !== "terraform_data");
  if (unknown.length) throw new Error(`the provider stand-in does not know resource type(s) ${unknown.join(", ")}: add their Create/Read from terraform-provider-vault v5.6.0 to test/e2e/support/provider-standin.ts`);
  const scope: Scope = {
    variable(name) {
      const declared = tf.variable?.[name];
      if (!declared) return undefined;
      return variables[name] ?? (declared.default as Value) ?? null;
    },
    resource(type, name, attribute) {
      const config = resources[type]?.[name];
      if (!config || typeof config[attribute] !== "string") throw new ExpressionError(`${type}.${name}.${attribute} is not a configured string attribute (computed attributes are unknown to the stand-in)`);
      return evaluateJson(config[attribute], scope);
    },
  };
  const planned = ORDER.flatMap((type) =>
    Object.entries(resources[type] ?? {}).map(([name, raw]) => {
      const config = evaluateJson(Object.fromEntries(Object.entries(raw).filter(([k]) => !META.has(k))), scope) as Config;
      return PLANNERS[type](`${type}.${name}`, config);
    }),
  );
  const notApplied = Object.entries(resources)
    .filter(([type]) => type.startsWith("gitlab_"))
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
  return { resources: planned, notApplied };
}

/** Refuses arguments a planner does not map, so that a new argument in the stack cannot be dropped silently. */
function only(address: string, config: Config, known: readonly string[]): void {
  const extra = Object.keys(config).filter((k) => !known.includes(k));
  if (extra.length) throw new Error(`${address}: the provider stand-in does not map argument(s) ${extra.join(", ")} (test/e2e/support/provider-standin.ts)`);
}

/** JSON with object keys sorted: Vault answers maps in its own key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

const sorted = (values: unknown): string[] => [...((values as string[] | undefined) ?? [])].sort();

const PLANNERS: Record<(typeof ORDER)[number], (address: string, config: Config) => PlannedResource> = {
  vault_jwt_auth_backend(address, c) {
    // The options the provider copies between config and Vault (resource_jwt_auth_backend.go:209-225).
    const options = ["oidc_discovery_url", "oidc_discovery_ca_pem", "oidc_client_id", "oidc_response_mode", "oidc_response_types", "jwks_url", "jwks_ca_pem", "jwt_validation_pubkeys", "bound_issuer", "jwt_supported_algs", "default_role"];
    // disable_remount only decides whether a path change is a remount or a replacement (internal/provider/schema_util.go
    // ~43-67): no API call of its own.
    only(address, c, ["path", "type", "description", "local", ...options, "namespace_in_state", "disable_remount"]);
    const path = c.path ?? "jwt"; // Default "jwt" (:37-43)
    // Update sends each option set in the configuration (GetOkExists, :401-420); namespace_in_state has Default true
    // (:171-176), so it is always sent.
    const config: Record<string, unknown> = { ...Object.fromEntries(options.filter((o) => c[o] !== undefined).map((o) => [o, c[o]])), namespace_in_state: c.namespace_in_state ?? true };
    return {
      address,
      calls: [
        // Create: sys/auth/<path> with type (Default "jwt", :45-52), description and local (:233-243; vault/api v1.22.0,
        // the provider's pin: sys_auth.go:95-100 EnableAuthWithOptions, MountInput sys_mounts.go:391-403, zero values
        // for the rest).
        { method: "POST", path: `sys/auth/${path}`, body: { type: c.type ?? "jwt", description: c.description ?? "", local: c.local ?? false, config: {}, seal_wrap: false, external_entropy_access: false } },
        // ... then Update writes auth/<path>/config (:250, :422, jwtConfigEndpoint :445-447). No tune in this stack.
        { method: "POST", path: `auth/${path}/config`, body: config },
      ],
      readBacks: [
        // Read: type and local from sys/mounts/auth/<path> (mountutil.GetAuthMount, :291, :312-313).
        { address, path: `sys/mounts/auth/${path}`, expected: { type: c.type ?? "jwt", local: c.local ?? false }, actual: (d) => ({ type: d.type, local: d.local }) },
        // ... and every option from auth/<path>/config (:301, :316-335).
        { address, path: `auth/${path}/config`, expected: config, actual: (d) => Object.fromEntries(Object.keys(config).map((k) => [k, d[k]])) },
      ],
    };
  },

  vault_policy(address, c) {
    only(address, c, ["name", "policy"]);
    return {
      address,
      // sys/policies/acl/<name> with {policy} (resource_policy.go:48-52; vault/api v1.22.0 sys_policy.go:92-101).
      calls: [{ method: "PUT", path: `sys/policies/acl/${c.name}`, body: { policy: c.policy } }],
      // Read: the policy text (resource_policy.go:86-93).
      readBacks: [{ address, path: `sys/policies/acl/${c.name}`, expected: { policy: c.policy }, actual: (d) => ({ policy: d.policy }) }],
    };
  },

  vault_jwt_auth_backend_role(address, c) {
    const tokenFields = ["token_bound_cidrs", "token_policies", "token_explicit_max_ttl", "token_max_ttl", "token_no_default_policy", "token_period", "token_type", "token_ttl", "token_num_uses"];
    const roleFields = ["role_name", "backend", "role_type", "bound_audiences", "user_claim", "user_claim_json_pointer", "max_age", "allowed_redirect_uris", "bound_subject", "oidc_scopes", "bound_claims_type", "bound_claims", "disable_bound_claims_parsing", "claim_mappings", "groups_claim", "clock_skew_leeway", "expiration_leeway", "not_before_leeway", "verbose_oidc_logging"];
    only(address, c, [...tokenFields, ...roleFields]);
    const body: Record<string, unknown> = {};
    // Create's token fields (auth_token.go:250-290): each only when set (GetOk: non-zero); token_type has Default
    // "default" (:126-132) and so is always sent.
    for (const field of tokenFields) if (c[field] !== undefined && c[field] !== 0 && c[field] !== "" && !(Array.isArray(c[field]) && c[field].length === 0)) body[field] = c[field];
    if (c.token_no_default_policy !== undefined) body.token_no_default_policy = c.token_no_default_policy; // GetOkExists (:268-270)
    body.token_type = c.token_type ?? "default";
    // jwtAuthBackendRoleDataToWrite (resource_jwt_auth_backend_role.go:394-463):
    body.bound_audiences = c.bound_audiences ?? []; // :399
    body.user_claim = c.user_claim; // :400
    body.user_claim_json_pointer = c.user_claim_json_pointer ?? false; // :401, Default false (:125-130)
    if (c.max_age) body.max_age = c.max_age; // :403-405
    if (c.allowed_redirect_uris?.length) body.allowed_redirect_uris = c.allowed_redirect_uris; // :407-409
    if (c.role_type) body.role_type = c.role_type; // :411-413
    if (c.bound_subject !== undefined) body.bound_subject = c.bound_subject; // :415-417
    if (c.oidc_scopes?.length) body.oidc_scopes = c.oidc_scopes; // :419-421
    if (c.bound_claims_type !== undefined) body.bound_claims_type = c.bound_claims_type; // :423-425
    // Each bound claim value is split on "," and trimmed into a list, unless disable_bound_claims_parsing (:427-446).
    body.bound_claims = Object.fromEntries(
      Object.entries((c.bound_claims ?? {}) as Record<string, string>).map(([k, v]) => [k, c.disable_bound_claims_parsing ? [v.trim()] : v.split(",").map((s) => s.trim())]),
    );
    if (c.claim_mappings && Object.keys(c.claim_mappings).length) body.claim_mappings = c.claim_mappings; // :448-450
    if (c.groups_claim !== undefined) body.groups_claim = c.groups_claim; // :452-454
    body.clock_skew_leeway = c.clock_skew_leeway ?? 0; // :456-458, Defaults 0 (:53-70)
    body.expiration_leeway = c.expiration_leeway ?? 0;
    body.not_before_leeway = c.not_before_leeway ?? 0;
    body.verbose_oidc_logging = c.verbose_oidc_logging ?? false; // :460
    const path = `auth/${String(c.backend ?? "jwt").replace(/^\/+|\/+$/g, "")}/role/${c.role_name}`; // :368-370
    // Read (:196-313): what it stores, normalized: bound claims joined with "," (:266-280), sets sorted.
    const fromRole = (d: Record<string, any>) => ({
      role_type: d.role_type,
      bound_audiences: sorted(d.bound_audiences),
      user_claim: d.user_claim,
      bound_claims_type: d.bound_claims_type,
      bound_claims: Object.fromEntries(Object.entries(d.bound_claims ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : v])),
      claim_mappings: d.claim_mappings ?? {},
      token_policies: sorted(d.token_policies),
      token_ttl: d.token_ttl,
      token_max_ttl: d.token_max_ttl,
      token_num_uses: d.token_num_uses,
      token_no_default_policy: d.token_no_default_policy,
      token_bound_cidrs: sorted(d.token_bound_cidrs),
      token_type: d.token_type,
    });
    const expected = {
      role_type: c.role_type,
      bound_audiences: sorted(c.bound_audiences),
      user_claim: c.user_claim,
      bound_claims_type: c.bound_claims_type ?? "string",
      bound_claims: c.bound_claims ?? {},
      claim_mappings: c.claim_mappings ?? {},
      token_policies: sorted(c.token_policies),
      token_ttl: c.token_ttl ?? 0,
      token_max_ttl: c.token_max_ttl ?? 0,
      token_num_uses: c.token_num_uses ?? 0,
      token_no_default_policy: c.token_no_default_policy ?? false,
      token_bound_cidrs: sorted(c.token_bound_cidrs),
      token_type: c.token_type ?? "default",
    };
    return { address, calls: [{ method: "POST", path, body }], readBacks: [{ address, path, expected, actual: fromRole }] };
  },

  vault_kv_secret_v2(address, c) {
    only(address, c, ["mount", "name", "data_json", "data_json_wo", "data_json_wo_version", "disable_read", "custom_metadata", "cas", "options", "delete_all_versions"]);
    // Create: data_json if set, else the raw data_json_wo (resource_kv_secret_v2.go:220-227), which must parse as
    // JSON (:229-233): a null data_json_wo (no password variable) fails the provider's create.
    const json = c.data_json ?? c.data_json_wo;
    if (typeof json !== "string") throw new Error(`${address}: data_json_wo is null (its password variable is not set): the provider's create would fail (resource_kv_secret_v2.go:224-233)`);
    const path = `${c.mount}/data/${c.name}`; // getKVV2Path (:191-193, :218)
    const calls: VaultCall[] = [{ method: "POST", path, body: { data: JSON.parse(json), cas: c.cas ?? 0, options: c.options ?? {} } }]; // :235-244
    // custom_metadata, when set, is written to <mount>/metadata/<name> (:250-259; getCustomMetadata :195-207 maps
    // custom_metadata.data to Vault's custom_metadata and sends only set fields).
    const cm = c.custom_metadata as Config | undefined;
    const metadata = cm && Object.fromEntries(Object.entries({ max_versions: cm.max_versions, cas_required: cm.cas_required, delete_version_after: cm.delete_version_after, custom_metadata: cm.data }).filter(([, v]) => v));
    if (metadata) calls.push({ method: "POST", path: `${c.mount}/metadata/${c.name}`, body: metadata });
    // With disable_read the provider reads nothing back (:292); the metadata is compared here all the same.
    const readBacks: ReadBack[] = metadata
      ? [{ address, path: `${c.mount}/metadata/${c.name}`, expected: metadata, actual: (d) => Object.fromEntries(Object.keys(metadata).map((k) => [k, d[k]])) }]
      : [];
    return { address, calls, readBacks };
  },
};

/** Makes every call of the plan against Vault (a first apply on an empty Vault). Never prints a request body. */
export async function applyPlanned(vault: VaultApi, resources: readonly PlannedResource[]): Promise<void> {
  for (const resource of resources) {
    for (const call of resource.calls) {
      const res = await vault.request(call.method, call.path, call.body);
      if (res.status < 200 || res.status > 299) throw new Error(`${resource.address}: ${call.method} ${call.path}: HTTP ${res.status} ${JSON.stringify(res.body?.errors ?? "")}`);
    }
  }
}

/** The differences between Vault and the stack, field by field: `<address>: <field>: Vault has X, the stack declares Y`. */
export async function driftOf(vault: VaultApi, resources: readonly PlannedResource[]): Promise<string[]> {
  const drift: string[] = [];
  for (const readBack of resources.flatMap((r) => r.readBacks)) {
    const res = await vault.request("GET", readBack.path);
    if (res.status === 404) {
      drift.push(`${readBack.address}: ${readBack.path} does not exist in Vault`);
      continue;
    }
    if (res.status !== 200) throw new Error(`${readBack.address}: GET ${readBack.path}: HTTP ${res.status} ${JSON.stringify(res.body?.errors ?? "")}`);
    const actual = readBack.actual(res.body.data);
    for (const [field, want] of Object.entries(readBack.expected)) {
      if (canonical(actual[field]) !== canonical(want)) drift.push(`${readBack.address}: ${field}: Vault has ${JSON.stringify(actual[field])}, the stack declares ${JSON.stringify(want)}`);
    }
  }
  return drift;
}
