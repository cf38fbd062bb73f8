/**
 * The guardrail model. A rule is a small pure function over the whole configuration: the validated data file and
 * the Terraform JSON the stack synthesizes. It returns findings; the runner turns them into violations, applies the
 * data file's suppressions, and synth refuses to write anything while a violation remains.
 */
import type { Config, Locator } from "../lib/model/config";
import { formatPath, pathKeys } from "../lib/model/path";
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
  /** The trust anchors (the repository's trust file for the data file, lib/model/trust.ts trustFileFor): what the data file may not step outside. */
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

/**
 * `JWT-005 access.yaml:12:7: roles[0].boundClaimsType: ... (fix: ...)`, with the line and column when they are known.
 * A finding on the synthesized stack also says which data-file entry it comes from (`entryPath`), and where that is.
 */
export function formatViolation(
  violation: Violation,
  file: string,
  stackFile: string,
  locate?: Locator,
  entryPath?: (entry: EntryRef) => PropertyKey[] | undefined,
): string {
  const position = (path: readonly PropertyKey[]) => {
    const pos = locate?.(path);
    return pos ? `${pos.line}:${pos.col}: ` : "";
  };
  if (violation.in === "data")
    return `${violation.rule.id} ${file}:${position(pathKeys(violation.path))}${violation.path}: ${violation.message} (fix: ${violation.rule.fix})`;
  const entry = violation.entry && entryPath?.(violation.entry);
  const from = entry ? `; from ${formatPath(entry)} at ${file}:${position(entry).replace(/: $/, "") || "?"}` : "";
  return `${violation.rule.id} ${stackFile}:${violation.path}: ${violation.message}${from} (fix: ${violation.rule.fix})`;
}

/** Where a data-file entry (`roles`/`accounts` by name) is in the validated config: `["roles", 0]`. */
export function entryPathIn(config: Config): (entry: EntryRef) => PropertyKey[] | undefined {
  return (entry) => {
    const index = (config[entry.list] as readonly { name: string }[]).findIndex((item) => item.name === entry.name);
    return index < 0 ? undefined : [entry.list, index];
  };
}

/** Helper for rules: a data-file finding. */
export const dataFinding = (path: string, message: string, entry?: EntryRef): Finding => ({ in: "data", path, message, ...(entry ? { entry } : {}) });

/** Helper for rules: a finding on the synthesized stack. */
export const stackFinding = (path: string, message: string, entry?: EntryRef): Finding => ({ in: "stack", path, message, ...(entry ? { entry } : {}) });
