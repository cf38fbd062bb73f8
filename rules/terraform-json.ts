/** Read-only views of the synthesized Terraform JSON that the rules inspect. */

export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, Record<string, unknown>>;
  /** Import blocks (adoption mode). */
  readonly import?: readonly { readonly to?: string; readonly id?: string }[];
  /** Removed blocks (Terraform 1.7+): objects Terraform stops managing; `destroy = false` keeps them. */
  readonly removed?: readonly { readonly from?: string; readonly lifecycle?: { readonly destroy?: boolean } }[];
  readonly [key: string]: unknown;
}

export interface TfRole {
  readonly role_name?: string;
  readonly backend?: string;
  readonly role_type?: string;
  readonly bound_audiences?: readonly string[];
  readonly bound_claims?: Record<string, string>;
  readonly bound_claims_type?: string;
  readonly user_claim?: string;
  readonly claim_mappings?: Record<string, string>;
  readonly token_policies?: readonly string[];
  readonly token_no_default_policy?: boolean;
  readonly token_ttl?: number;
  readonly token_max_ttl?: number;
  readonly token_explicit_max_ttl?: number;
  readonly token_period?: number;
  readonly token_num_uses?: number;
  readonly token_bound_cidrs?: readonly string[];
  readonly disable_bound_claims_parsing?: boolean;
}

export interface TfAuthBackend {
  readonly path?: string;
  readonly type?: string;
  readonly bound_issuer?: string;
  readonly oidc_discovery_url?: string;
  readonly jwks_url?: string;
  readonly jwt_validation_pubkeys?: readonly string[];
  readonly default_role?: string;
  readonly lifecycle?: { readonly prevent_destroy?: boolean };
}

export interface TfPolicy {
  readonly name?: string;
  readonly policy?: string;
}

export interface TfKvSecret {
  readonly mount?: string;
  readonly name?: string;
  readonly data_json?: string;
  readonly data_json_wo?: string;
  readonly data_json_wo_version?: number;
  readonly disable_read?: boolean;
  readonly custom_metadata?: { readonly data?: Record<string, string> };
  readonly lifecycle?: { readonly prevent_destroy?: boolean };
}

export interface TfGroupVariable {
  readonly key?: string;
  readonly value?: string;
  readonly masked?: boolean;
  readonly protected?: boolean;
  readonly raw?: boolean;
  readonly environment_scope?: string;
  readonly variable_type?: string;
  readonly description?: string;
  /** gitlab_group_variable only. */
  readonly group?: string;
  /** gitlab_project_variable only. */
  readonly project?: string;
}

/** `[address, body]` for every resource of a type, e.g. `["vault_policy.x", {...}]`. */
export function resourcesOf<T>(tf: TerraformJson, type: string): [string, T][] {
  return Object.entries(tf.resource?.[type] ?? {}).map(([name, body]) => [`${type}.${name}`, body as T]);
}

/** The `path "..." { capabilities = [...] }` blocks of a policy, or undefined if the text has anything else. */
export function parsePolicyRules(text: string): { path: string; capabilities: string[] }[] | undefined {
  const withoutComments = text.replace(/^\s*#.*/gm, "").trim();
  const block = /path\s+"([^"\\]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/gy;
  const rules: { path: string; capabilities: string[] }[] = [];
  let rest = withoutComments;
  while (rest.length > 0) {
    block.lastIndex = 0;
    const match = block.exec(rest);
    if (!match) return undefined;
    const capabilities = match[2].split(",").map((c) => c.trim()).filter(Boolean);
    if (!capabilities.every((c) => /^"[a-z]+"$/.test(c))) return undefined;
    rules.push({ path: match[1], capabilities: capabilities.map((c) => c.slice(1, -1)) });
    rest = rest.slice(block.lastIndex).trim();
  }
  return rules;
}
