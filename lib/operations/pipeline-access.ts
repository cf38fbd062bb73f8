/**
 * What this repository's own pipeline roles may do in Vault, derived from the data file (never typed twice).
 *
 * One table (`PROVIDER_NEEDS`) says which API paths the Vault provider touches for each kind of object this stack
 * manages, and with which capabilities: the plan role's (a refresh: reads only) and the apply role's (a refresh and
 * the writes). The policies are derived from it with the names in the data file; the guardrail PIPE-007 applies the
 * same table to the names in the synthesized Terraform JSON, so the two derivations check each other.
 *
 * Sources (Vault provider 5.x, HashiCorp Vault API docs):
 * - vault_jwt_auth_backend (terraform-provider-vault v5.6.0, vault/resource_jwt_auth_backend.go): its read (~271-356)
 *   calls mountutil.GetAuthMount -> Sys().GetAuthWithContext, which is GET sys/mounts/auth/<path> (vault/api v1.22.0
 *   sys_auth.go ~19-25: "use sys/mounts/auth/:path so we don't require sudo permissions"), then reads
 *   auth/<path>/config and the tune at sys/mounts/auth/<path>/tune (Sys().MountConfigWithContext, sys_mounts.go
 *   ~362-366). An update writes auth/<path>/config (~382-423) and the tune only when `tune` changes (this stack sets
 *   none). Only a create enables the method (POST sys/auth/<path>, `sudo`), and only a delete disables it. The
 *   backend is created once by the bootstrap apply (or imported in adoption mode), its address never changes, a path
 *   change is a replacement that prevent_destroy refuses (disable_remount), and it is never destroyed, so neither
 *   role gets anything on sys/auth/<path>: the pipeline can neither enable, disable nor remount an auth method.
 * - vault_jwt_auth_backend_role reads, writes and deletes auth/<mount>/role/<name>.
 * - vault_policy uses sys/policies/acl/<name> (Vault api Sys().GetPolicy / PutPolicy / DeletePolicy).
 * - vault_kv_secret_v2 with disable_read = true makes no call at all on refresh (kvSecretV2Read returns before
 *   calling Vault when disable_read is set, resource_kv_secret_v2.go ~298-300), and a write (create, rotation) writes
 *   <mount>/data/<path> and then custom_metadata to <mount>/metadata/<path> (~213-245), reading nothing back. So the
 *   plan role needs nothing on a secret, and the apply role only create and update.
 * - vault_mount reads GET sys/mounts/<path>, creates with POST sys/mounts/<path>, tunes at sys/mounts/<path>/tune.
 * - Setting up its client, before any resource, the provider looks its own token up: ProviderMeta.setClient in
 *   terraform-provider-vault internal/provider/meta.go calls client.Auth().Token().LookupSelf() (GET
 *   auth/token/lookup-self) unconditionally and fails with "failed to lookup token" when it is denied. Vault's
 *   built-in `default` policy is what normally grants `read` there; the pipeline roles set token_no_default_policy,
 *   so their own policies must (PROVIDER_NEEDS.client). The rest of the setup needs nothing more:
 *   - the child token (createChildToken, POST auth/token/create, `update`) is skipped: the pipeline sets
 *     TERRAFORM_VAULT_SKIP_CHILD_TOKEN (its login token is already short-lived and bound to one job), so no policy
 *     grants token creation;
 *   - the namespace: no provider namespace is configured, and the token's own comes from the namespace_path field of
 *     the same lookup-self response (meta.go), with no further call;
 *   - the Vault version (getVaultVersion, when a resource asks IsAPISupported): GET sys/seal-status, which Vault
 *     documents as an unauthenticated endpoint (Vault API docs, /sys/seal-status), so no capability.
 *
 * No `delete` where the stack sets prevent_destroy (the auth method, the KV mount, the secrets): Terraform never
 * deletes them, so the apply role cannot either. Retiring one stays a deliberate act with an operator's token.
 */
import { type Config, type PipelineConfig, writesPassword } from "../model/config";
import { deriveAccess } from "../model/access";
import { accountSecretPath, kvDataPath, kvMetadataPath, pipelinePolicyName } from "../model/naming";
import { renderPolicy, type PolicyRule } from "../model/policy";

export type Capability = "create" | "read" | "update" | "delete" | "sudo";
export type PipelineKind = "plan" | "apply";

/** The capabilities each pipeline role needs on one exact Vault API path. */
export interface PathNeed {
  readonly path: string;
  readonly plan: readonly Capability[];
  readonly apply: readonly Capability[];
  /** The managed object and why these capabilities; rendered as a comment above the policy block. */
  readonly why: string;
}

const need = (path: string, plan: Capability[], apply: Capability[], why: string): PathNeed => ({ path, plan, apply, why });

/** What the Vault provider does on the API for each kind of object this stack manages (sources above). */
export const PROVIDER_NEEDS = {
  /** The provider itself, once per run, whatever the stack holds (sources above: meta.go setClient). */
  client: (): PathNeed[] => [
    need("auth/token/lookup-self", ["read"], ["read"], "the Vault provider looks up its own token when it sets up its client (no default policy grants it here)"),
  ],
  jwtAuthMount: (mount: string): PathNeed[] => [
    need(`sys/mounts/auth/${mount}`, ["read"], ["read"], `vault_jwt_auth_backend ${mount}: the mount, read on refresh (never enabled, remounted or disabled by the pipeline)`),
    need(`auth/${mount}/config`, ["read"], ["create", "read", "update"], `vault_jwt_auth_backend ${mount}: issuer and OIDC discovery URL`),
    need(`sys/mounts/auth/${mount}/tune`, ["read"], ["read"], `vault_jwt_auth_backend ${mount}: tune settings are read on refresh; this stack sets none`),
  ],
  jwtRole: (mount: string, role: string): PathNeed[] => [
    need(`auth/${mount}/role/${role}`, ["read"], ["create", "read", "update", "delete"], `vault_jwt_auth_backend_role ${role}`),
  ],
  aclPolicy: (name: string): PathNeed[] => [need(`sys/policies/acl/${name}`, ["read"], ["create", "read", "update", "delete"], `vault_policy ${name}`)],
  kvSecret: (mount: string, path: string): PathNeed[] => [
    need(kvDataPath(mount, path), [], ["create", "update"], `vault_kv_secret_v2 ${path}: write-only value, never read back (disable_read), never deleted (prevent_destroy)`),
    need(kvMetadataPath(mount, path), [], ["create", "update"], `vault_kv_secret_v2 ${path}: custom metadata, written after the value, never read back (disable_read)`),
  ],
  kvMount: (path: string): PathNeed[] => [
    need(`sys/mounts/${path}`, ["read"], ["create", "read", "update"], `vault_mount ${path}: KV v2 mount, never disabled (prevent_destroy)`),
    need(`sys/mounts/${path}/tune`, [], ["update"], `vault_mount ${path}: description and TTL changes`),
  ],
};

/** The apply job's GitLab token: read by the apply role only, never by the plan role (a secret value). */
export function gitlabTokenNeed(kvMount: string, pipeline: PipelineConfig): PathNeed {
  return need(kvDataPath(kvMount, pipeline.gitlabTokenPath), [], ["read"], "the GitLab token the apply job gives the GitLab provider (key token)");
}

/** Every path the pipeline roles need for this data file, in a stable, reviewable order. */
export function derivePipelineNeeds(config: Config, pipeline: PipelineConfig): PathNeed[] {
  const { jwtMount, kvMount, manageKvMount } = config.vault;
  const access = deriveAccess(config);
  const roles = [...config.roles.map((r) => r.name), pipeline.plan.name, pipeline.apply.name].sort();
  const policies = [...access.grants.map((g) => g.policyName), pipelinePolicyName(pipeline.plan.name), pipelinePolicyName(pipeline.apply.name)].sort();
  return [
    ...PROVIDER_NEEDS.client(),
    ...PROVIDER_NEEDS.jwtAuthMount(jwtMount),
    ...roles.flatMap((role) => PROVIDER_NEEDS.jwtRole(jwtMount, role)),
    ...policies.flatMap((policy) => PROVIDER_NEEDS.aclPolicy(policy)),
    ...(manageKvMount ? PROVIDER_NEEDS.kvMount(kvMount) : []),
    // Only the secrets this stack writes (passwordVersion 0: set by hand, not managed here).
    ...config.accounts.filter(writesPassword).map((a) => accountSecretPath(a.name)).sort().flatMap((path) => PROVIDER_NEEDS.kvSecret(kvMount, path)),
    gitlabTokenNeed(kvMount, pipeline),
  ];
}

/**
 * The claims a pipeline role binds, as exact strings: `{project_id}` for plan (merge-request pipelines may log in);
 * `{project_id, ref_protected: "true"}` for apply, plus `ref` and `ref_type` when the data names the branch.
 */
export function pipelineBoundClaims(pipeline: PipelineConfig, kind: PipelineKind): Record<string, string> {
  const claims: Record<string, string> = { project_id: String(pipeline.projectId) };
  if (kind === "apply") {
    claims.ref_protected = "true";
    if (pipeline.apply.branch) Object.assign(claims, { ref: pipeline.apply.branch, ref_type: "branch" });
  }
  return claims;
}

/** The policy blocks of one pipeline role: every path where it needs something, with exactly that. */
export function pipelinePolicyRules(needs: readonly PathNeed[], kind: PipelineKind): PolicyRule[] {
  return needs.filter((n) => n[kind].length > 0).map((n) => ({ path: n.path, capabilities: n[kind], comment: n.why }));
}

const HEADERS: Record<PipelineKind, string> = {
  plan: [
    "Plan role of this repository's pipeline (merge-request pipelines may use it, so anyone who opens a merge request",
    "can run code with it): reads Vault's configuration for a refresh, never a secret value. Derived from the data file.",
  ].join("\n"),
  apply: [
    "Apply role of this repository's pipeline (protected default branch only): exactly what applying this",
    "configuration needs, on exact paths. Derived from the data file.",
  ].join("\n"),
};

/** The HCL of one pipeline role's policy. */
export function renderPipelinePolicy(needs: readonly PathNeed[], kind: PipelineKind): string {
  return renderPolicy(HEADERS[kind], pipelinePolicyRules(needs, kind));
}
