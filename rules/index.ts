/** The rule pack synth runs before it writes anything. */
import type { Rule, RuleInput, RuleReport, Violation } from "./rule";
import { runRules } from "./rule";
import { ROLE_RULES } from "./roles";
import { AUTH_RULES } from "./auth-backend";
import { NAME_RULES } from "./names";
import { POLICY_RULES } from "./policies";
import { ACCOUNT_RULES } from "./accounts";
import { VARIABLE_RULES } from "./variables";
import { DATA_SAFETY_RULES } from "./data-safety";
import { ADOPTION_RULES } from "./adoption";
import { PIPELINE_RULES } from "./pipeline-roles";
import { TRUST_RULES } from "./trust";
import { FREE_TEXT_RULES } from "./free-text";

export const RULES: readonly Rule[] = [
  ...ROLE_RULES,
  ...AUTH_RULES,
  ...NAME_RULES,
  ...POLICY_RULES,
  ...ACCOUNT_RULES,
  ...VARIABLE_RULES,
  ...DATA_SAFETY_RULES,
  ...ADOPTION_RULES,
  ...PIPELINE_RULES,
  ...TRUST_RULES,
  ...FREE_TEXT_RULES,
];

export const suppressionsApply: Rule = {
  id: "SUP-001",
  explanation: "A suppression names a rule of the pack and waives a real finding on its entry; a stale waiver would silently cover a future mistake.",
  fix: "correct the rule id, or delete the suppression that no longer waives anything",
  check: () => [],
};

export const onlyWaivableRulesSuppressed: Rule = {
  id: "SUP-002",
  explanation:
    "Only the rules whose waiver is documented as safe (the waivable column of the rule table in docs/RULES.md) can be suppressed; every other rule holds whatever the data file says, so the merge request that makes a mistake cannot also waive it.",
  fix: "remove the suppression and fix the finding it was meant to hide",
  check: () => [],
};

/** Every rule docs/RULES.md documents: the pack and the two suppression checks. */
export const DOCUMENTED_RULES: readonly Rule[] = [...RULES, suppressionsApply, onlyWaivableRulesSuppressed];

/** The ids of the rules a suppression may waive. */
export const waivableIds = (rules: readonly Rule[] = RULES): string[] => rules.filter((r) => r.waivable !== undefined).map((r) => r.id);

/** Runs the pack, then flags suppressions that name no rule or waive nothing. */
export function checkConfiguration(input: RuleInput, rules: readonly Rule[] = RULES): RuleReport {
  const report = runRules(rules, input);
  const used = new Set(report.suppressed.map((s) => `${s.entry?.list}\u0000${s.entry?.name}\u0000${s.rule.id}`));
  const byId = new Map(rules.map((r) => [r.id, r]));
  const stale: Violation[] = [];
  for (const list of ["roles", "accounts"] as const) {
    (input.config[list] as readonly { name: string; suppress: readonly { rule: string }[] }[]).forEach((item, i) =>
      item.suppress.forEach((s, j) => {
        const path = `${list}[${i}].suppress[${j}].rule`;
        const rule = byId.get(s.rule);
        if (!rule) stale.push({ rule: suppressionsApply, in: "data", path, message: `${JSON.stringify(s.rule)} is not a rule of the pack` });
        else if (rule.waivable === undefined) {
          stale.push({ rule: onlyWaivableRulesSuppressed, in: "data", path, message: `${s.rule} cannot be waived (waivable: ${waivableIds(rules).join(", ")})` });
        } else if (!used.has(`${list}\u0000${item.name}\u0000${s.rule}`)) {
          stale.push({ rule: suppressionsApply, in: "data", path, message: `${s.rule} finds nothing on ${item.name}: the suppression is stale` });
        }
      }),
    );
  }
  return { violations: [...report.violations, ...stale], suppressed: report.suppressed };
}
