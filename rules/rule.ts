/**
 * The guardrail model. A rule is a small pure function over the whole configuration: the validated data file and
 * the Terraform JSON the stack synthesizes. It returns findings; the runner turns them into violations, applies the
 * data file's suppressions, and synth refuses to write anything while a violation remains.
 */
import type { Config, Locator } from "../lib/model/config";
import type { Trust } from "../lib/model/trust";
import type { TerraformJson } from "./terraform-json";

export interface RuleInput {
  /** The data file's name, as given on the command line. */
  readonly file: string;
  /** The validated data. */
  readonly config: Config;
  /** The data file as parsed YAML, before validation and defaults (what the author literally wrote). */
  readonly data: unknown;
  /** The synthesized stack, before it is written. */
  readonly tf: TerraformJson;
  /** The trust anchors (trust.yaml beside the data file): what the data file may not step outside. */
  readonly trust: Trust;
}

/** A data-file entry that can carry a suppression: `roles[].suppress`, `accounts[].suppress`. */
export interface EntryRef {
  readonly list: "roles" | "accounts";
  readonly name: string;
}

export interface Finding {
  /** `data` for a field of the data file, `stack` for an attribute of the synthesized Terraform JSON. */
  readonly in: "data" | "stack";
  /** `roles[0].boundClaims` or `vault_jwt_auth_backend_role.nexus-ci.role_type`. */
  readonly path: string;
  readonly message: string;
  /** The entry whose `suppress` list may waive this finding; none means it cannot be suppressed. */
  readonly entry?: EntryRef;
}

export interface Rule {
  /** Stable id, e.g. `JWT-001`. Suppressions name it. */
  readonly id: string;
  /** One line: what the rule demands and why. */
  readonly explanation: string;
  /** One line: how to comply. */
  readonly fix: string;
  /**
   * Present only on the few rules a `suppress` entry may waive, with why waiving them is safe (docs/RULES.md).
   * Every other rule cannot be suppressed: a waiver written in the same merge request as the mistake is no guardrail.
   */
  readonly waivable?: string;
  readonly check: (input: RuleInput) => Finding[];
}

export interface Violation extends Finding {
  readonly rule: Rule;
}

export interface Suppressed extends Violation {
  readonly reason: string;
}

export interface RuleReport {
  readonly violations: readonly Violation[];
  readonly suppressed: readonly Suppressed[];
}

/** Runs every rule, then applies the suppressions written in the data file. */
export function runRules(rules: readonly Rule[], input: RuleInput): RuleReport {
  const violations: Violation[] = [];
  const suppressed: Suppressed[] = [];
  for (const rule of rules) {
    for (const finding of rule.check(input)) {
      const reason = rule.waivable !== undefined && finding.entry && suppressionReason(input.config, finding.entry, rule.id);
      if (reason) suppressed.push({ ...finding, rule, reason });
      else violations.push({ ...finding, rule });
    }
  }
  return { violations, suppressed };
}

function suppressionReason(config: Config, entry: EntryRef, ruleId: string): string | undefined {
  const item = (config[entry.list] as readonly { name: string; suppress: readonly { rule: string; reason: string }[] }[]).find(
    (candidate) => candidate.name === entry.name,
  );
  return item?.suppress.find((s) => s.rule === ruleId)?.reason;
}

/** `JWT-005 access.yaml:roles[0].boundClaimsType: ... (fix: ...)`, with `12:7: ` after the file when it is known. */
export function formatViolation(violation: Violation, file: string, stackFile: string, locate?: Locator): string {
  const pos = violation.in === "data" ? locate?.(dataPathKeys(violation.path)) : undefined;
  const where = `${violation.in === "data" ? file : stackFile}:${pos ? `${pos.line}:${pos.col}: ` : ""}`;
  return `${violation.rule.id} ${where}${violation.path}: ${violation.message} (fix: ${violation.rule.fix})`;
}

/** `roles[0].reads[1].path` -> `["roles", 0, "reads", 1, "path"]` (the inverse of lib/model/config.ts formatPath). */
export function dataPathKeys(path: string): PropertyKey[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}

/** Helper for rules: a data-file finding. */
export const dataFinding = (path: string, message: string, entry?: EntryRef): Finding => ({ in: "data", path, message, ...(entry ? { entry } : {}) });

/** Helper for rules: a finding on the synthesized stack. */
export const stackFinding = (path: string, message: string, entry?: EntryRef): Finding => ({ in: "stack", path, message, ...(entry ? { entry } : {}) });
