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
];

export const suppressionsApply: Rule = {
  id: "SUP-001",
  explanation: "A suppression names a rule of the pack and waives a real finding on its entry; a stale waiver would silently cover a future mistake.",
  fix: "correct the rule id, or delete the suppression that no longer waives anything",
  check: () => [],
};

/** Runs the pack, then flags suppressions that name no rule or waive nothing. */
export function checkConfiguration(input: RuleInput, rules: readonly Rule[] = RULES): RuleReport {
  const report = runRules(rules, input);
  const used = new Set(report.suppressed.map((s) => `${s.entry?.list}\u0000${s.entry?.name}\u0000${s.rule.id}`));
  const known = new Set(rules.map((r) => r.id));
  const stale: Violation[] = [];
  for (const list of ["roles", "accounts"] as const) {
    (input.config[list] as readonly { name: string; suppress: readonly { rule: string }[] }[]).forEach((item, i) =>
      item.suppress.forEach((s, j) => {
        const path = `${list}[${i}].suppress[${j}].rule`;
        if (!known.has(s.rule)) stale.push({ rule: suppressionsApply, in: "data", path, message: `${JSON.stringify(s.rule)} is not a rule of the pack` });
        else if (!used.has(`${list}\u0000${item.name}\u0000${s.rule}`)) {
          stale.push({ rule: suppressionsApply, in: "data", path, message: `${s.rule} finds nothing on ${item.name}: the suppression is stale` });
        }
      }),
    );
  }
  return { violations: [...report.violations, ...stale], suppressed: report.suppressed };
}
