/**
 * Renders Vault policy HCL. A pure function instead of the `vault_policy_document` data source so that the exact
 * text Vault will enforce appears in cdk.tf.json, in the snapshot and in every merge-request diff.
 */

/** Capabilities a CI read policy grants: `list` would reveal key names, anything else writes or escalates. */
export const READ_CAPABILITIES = ["read"] as const;

export interface PolicyRule {
  /** An exact Vault API path, e.g. `secret/data/nexus/svc-orchestrator`. */
  readonly path: string;
  readonly capabilities: readonly string[];
  /** Why this block exists, rendered as a `#` line above it (for reviewers). */
  readonly comment?: string;
}

/** One `path` block per rule, in the order given, with a comment line at the top. */
export function renderPolicy(comment: string, rules: readonly PolicyRule[]): string {
  const header = comment.split("\n").map((line) => `# ${line}`.trimEnd());
  const blocks = rules.map(
    (rule) =>
      `${rule.comment ? `# ${rule.comment}\n` : ""}path ${JSON.stringify(rule.path)} {\n  capabilities = [${rule.capabilities.map((c) => JSON.stringify(c)).join(", ")}]\n}`,
  );
  return `${[...header, ...blocks].join("\n")}\n`;
}

/** The policy of one KV v2 secret: `read` on its data path and nothing else. */
export function renderReadPolicy(dataPath: string): string {
  return renderPolicy(`Read-only access to one KV v2 secret. Managed by Terraform from the access data file.`, [
    { path: dataPath, capabilities: READ_CAPABILITIES },
  ]);
}
