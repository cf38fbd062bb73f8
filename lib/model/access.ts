/**
 * Who may read what, derived once from the data file. The read policies and every role's `token_policies` both
 * come from here, so they cannot disagree.
 */
import type { Config } from "./config";
import { accountSecretPath, kvDataPath, readPolicyName } from "./naming";
import { sortedByKey } from "./order";

/** What a Nexus service account's secret holds (the construct writes exactly these two keys). */
export const ACCOUNT_SECRET_KEYS: readonly string[] = ["password", "username"]; // sorted, like every key list here

export interface ReadGrant {
  /** Path inside the KV mount, CLI form: `nexus/svc-orchestrator`. */
  readonly path: string;
  /** KV v2 API path the policy names: `secret/data/nexus/svc-orchestrator`. */
  readonly dataPath: string;
  readonly policyName: string;
  readonly keys: readonly string[];
  /** Role and workload names, sorted. */
  readonly readers: readonly string[];
  /** The Nexus service account stored there, if any. */
  readonly account?: string;
}

export interface AccessModel {
  /** One grant per secret path that anybody reads, sorted by path. */
  readonly grants: readonly ReadGrant[];
  /** Role name -> the policy names it carries, sorted. */
  readonly rolePolicies: ReadonlyMap<string, readonly string[]>;
}

export function deriveAccess(config: Config): AccessModel {
  const mount = config.vault.kvMount;
  const byPath = new Map<string, { keys: readonly string[]; readers: Set<string>; account?: string }>();
  const entry = (path: string, keys: readonly string[], account?: string) => {
    let found = byPath.get(path);
    if (!found) byPath.set(path, (found = { keys, readers: new Set(), account }));
    return found;
  };
  for (const role of config.roles) {
    for (const read of role.reads) entry(read.path, read.keys).readers.add(role.name);
  }
  for (const account of config.accounts) {
    const found = entry(accountSecretPath(account.name), ACCOUNT_SECRET_KEYS, account.name);
    for (const reader of account.readers) found.readers.add(reader);
  }
  const grants = sortedByKey(byPath)
    .filter(([, g]) => g.readers.size > 0)
    .map(([path, g]): ReadGrant => ({
      path,
      dataPath: kvDataPath(mount, path),
      policyName: readPolicyName(mount, path),
      keys: [...g.keys].sort(),
      readers: [...g.readers].sort(),
      ...(g.account ? { account: g.account } : {}),
    }));
  const rolePolicies = new Map(
    config.roles.map((role) => [role.name, grants.filter((g) => g.readers.includes(role.name)).map((g) => g.policyName)]),
  );
  return { grants, rolePolicies };
}

/**
 * KV v2 data path -> the names of the keys stored there (never values), for every secret this configuration grants
 * or writes, sorted by path. Published as the `secret_keys` output, so that the access report can name the keys from
 * the synthesized JSON alone.
 */
export function secretKeys(config: Config, access: AccessModel = deriveAccess(config)): Record<string, readonly string[]> {
  const keys = new Map(access.grants.map((grant) => [grant.dataPath, grant.keys]));
  for (const account of config.accounts) keys.set(kvDataPath(config.vault.kvMount, accountSecretPath(account.name)), ACCOUNT_SECRET_KEYS);
  return Object.fromEntries(sortedByKey(keys));
}

/**
 * KV v2 data path -> what reviewers need to know about each Nexus account's secret: its Nexus permissions, who uses
 * it, and its readers (roles and workloads). Published as the `account_metadata` output, not as the secrets'
 * custom_metadata: the Vault provider rewrites a secret's data on any update of its metadata
 * (hashicorp/terraform-provider-vault#3020), so an access change must never touch a secret resource.
 */
export function accountMetadata(config: Config): Record<string, Readonly<Record<string, string>>> {
  const entries = config.accounts.map((account): [string, Record<string, string>] => [
    kvDataPath(config.vault.kvMount, accountSecretPath(account.name)),
    {
      nexus_permissions: [...account.permissions].sort().join(" "),
      used_by: account.usedBy,
      readers: [...account.readers].sort().join(" ") || "(none)",
      ...(account.workloadOnly ? { workload_only: "true" } : {}),
    },
  ]);
  return Object.fromEntries(sortedByKey(entries));
}

/**
 * `roles/nexus-ci/JWT-013` -> the written reason, for every suppression in the data file. Published as the
 * `guardrail_waivers` output so that the access diff, which compares synthesized stacks, reports a new or changed
 * waiver as a widening (docs/RULES.md).
 */
export function guardrailWaivers(config: Config): Record<string, string> {
  const entries = (["roles", "accounts"] as const).flatMap((list) =>
    (config[list] as readonly { name: string; suppress: readonly { rule: string; reason: string }[] }[]).flatMap((item) =>
      item.suppress.map((s): [string, string] => [`${list}/${item.name}/${s.rule}`, s.reason]),
    ),
  );
  return Object.fromEntries(sortedByKey(entries));
}
