/**
 * Every derived name in one place. Each mapping is injective because the inputs are restricted by the schema
 * (segments are `[a-z0-9-]`, never `.` or `_`), so two different inputs can never produce the same name.
 */

/** Folder in the KV mount where Nexus service-account credentials live: `secret/nexus/<account>`. */
export const NEXUS_SECRET_FOLDER = "nexus";

/** Prefix of every read policy name. Role names cannot contain ".", so a policy name never equals a role name. */
export const READ_POLICY_PREFIX = "kv-read";

/** `secret` + `nexus/svc-executor` -> `kv-read.secret.nexus.svc-executor` */
export function readPolicyName(mount: string, path: string): string {
  return [READ_POLICY_PREFIX, mount, ...path.split("/")].join(".");
}

/** The KV v2 API path that a policy must name: `secret/data/nexus/svc-executor` (the CLI shows it without `data/`). */
export function kvDataPath(mount: string, path: string): string {
  return `${mount}/data/${path}`;
}

/** `svc-executor` -> `nexus/svc-executor` */
export function accountSecretPath(account: string): string {
  return `${NEXUS_SECRET_FOLDER}/${account}`;
}

/** `svc-executor` -> `svc_executor_password` (set it as `TF_VAR_svc_executor_password`). */
export function passwordVariableName(account: string): string {
  return `${account.replace(/-/g, "_")}_password`;
}

/** Terraform addresses must not contain "." and read better without it: `kv-read.secret.a` -> `kv-read_secret_a`. */
export function terraformId(name: string): string {
  return name.replace(/[./]/g, "_");
}

/** Prefix of the pipeline roles' policy names. Role names cannot contain ".", so no policy name equals a role name. */
export const PIPELINE_POLICY_PREFIX = "pipeline";

/** `vault-ci-access-plan` -> `pipeline.vault-ci-access-plan`: the one policy a pipeline role carries. */
export function pipelinePolicyName(role: string): string {
  return `${PIPELINE_POLICY_PREFIX}.${role}`;
}

/** The KV v2 metadata path of a secret: `secret/metadata/nexus/svc-executor` (versions and custom metadata, no value). */
export function kvMetadataPath(mount: string, path: string): string {
  return `${mount}/metadata/${path}`;
}

/**
 * The CI variable a template job reads one secret key into: `nexus/svc-orchestrator` + `username` ->
 * `NEXUS_SVC_ORCHESTRATOR_USERNAME` (path and key, upper case, every `/` and `-` as `_`). Not injective on its own
 * (`a-b/c` and `a/b-c` meet): lib/operations/ci-template.ts refuses a data file where two keys meet.
 */
export function secretVariableName(path: string, key: string): string {
  return `${path}/${key}`.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** `nexus-ci` -> `.vault-secrets-nexus-ci`: the hidden job that platform jobs extend to read the role's secrets. */
export function secretsTemplateJobName(role: string): string {
  return `.vault-secrets-${role}`;
}
