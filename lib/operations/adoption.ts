/**
 * Adoption: taking over objects that already exist (CWIQ's production was set up by hand) with Terraform `import`
 * blocks, so that the first apply imports them instead of failing ("path is already in use") or replacing them.
 *
 * Each id format below is the one in the "Import" section of the provider's documentation for that resource.
 */

/**
 * `vault_jwt_auth_backend`: the mount path (`jwt`). Vault provider docs, website/docs/r/jwt_auth_backend.html.md:
 * `terraform import vault_jwt_auth_backend.jwt jwt`.
 */
export const jwtAuthBackendImportId = (mount: string): string => mount;

/**
 * `vault_jwt_auth_backend_role`: the role's API path (`auth/jwt/role/nexus-ci`). Vault provider docs,
 * website/docs/r/jwt_auth_backend_role.html.md: `terraform import vault_jwt_auth_backend_role.example auth/jwt/role/test-role`.
 */
export const jwtRoleImportId = (mount: string, role: string): string => `auth/${mount}/role/${role}`;

/** `vault_policy`: the policy name. Vault provider docs, website/docs/r/policy.html.md: `terraform import vault_policy.example dev-team`. */
export const policyImportId = (name: string): string => name;

/** `vault_mount`: the mount path. Vault provider docs, website/docs/r/mount.html.md: `terraform import vault_mount.example dummy`. */
export const mountImportId = (path: string): string => path;

/**
 * `gitlab_group_variable`: `<group id>:<key>:<environment scope>` (`9:VAULT_ADDR:*`). GitLab provider docs,
 * docs/resources/group_variable.md: "an id made up of `groupid:variablename:scope`".
 */
export const groupVariableImportId = (groupId: number, key: string, environmentScope: string): string => `${groupId}:${key}:${environmentScope}`;

/*
 * `vault_kv_secret_v2` would be `<mount>/data/<name>` (website/docs/r/kv_secret_v2.html.md:
 * `terraform import vault_kv_secret_v2.secret kvv2/data/secret`), and the provider derives `mount` and `name` back from
 * that id, so any other form plans a replacement. It is deliberately never imported (rule ADOPT-002): the refresh
 * after an import runs with `disable_read` unset, so the provider reads the secret and stores its data in state; and
 * any in-place update of the imported secret makes the provider write its data again (create and update share one
 * write function; hashicorp/terraform-provider-vault#3020). An adopted account keeps passwordVersion 0 instead: its
 * secret stays out of the stack, untouched, until its first rotation writes a new KV version at the same path.
 */

/** A Terraform import block (Terraform 1.5+): import the object `id` into the resource at address `to`. */
export interface ImportBlock {
  readonly to: string;
  readonly id: string;
}

/** A declared resource that may already exist, with its import id. */
export interface Importable {
  readonly address: string;
  readonly id: string;
}

/** One import block per declared resource, except those the data file says to create; sorted by address. */
export function importBlocks(importables: readonly Importable[], create: readonly string[]): ImportBlock[] {
  const created = new Set(create);
  return importables
    .filter(({ address }) => !created.has(address))
    .map(({ address, id }) => ({ to: address, id }))
    .sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}
