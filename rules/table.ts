/** The rule pack as a Markdown table, for docs/RULES.md (kept in sync by a test). */
import type { Rule } from "./rule";

export const TABLE_START = "<!-- rules:start (generated from rules/index.ts; `npm run rules` rewrites it) -->";
export const TABLE_END = "<!-- rules:end -->";

/** One entry of the attack corpus (test/fixtures/attacks/attacks.yaml): what it tries, and what refuses it. */
export interface AttackSummary {
  readonly class: string;
  /** A rule id, or SCHEMA for the data file's loader. */
  readonly rule: string;
}

export function renderRuleTable(rules: readonly Rule[], attacks: readonly AttackSummary[] = []): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const refusedBy = (id: string) => attacks.filter((a) => a.rule === id).length;
  const classes = [...new Set(attacks.map((a) => a.class))];
  const count = (items: readonly AttackSummary[], key: (a: AttackSummary) => string, value: string) => items.filter((a) => key(a) === value).length;
  return [
    "| rule | demands | fix | waivable | attacks refused |",
    "|---|---|---|---|---|",
    ...rules.map((rule) => `| ${rule.id} | ${cell(rule.explanation)} | ${cell(rule.fix)} | ${rule.waivable ? `yes: ${cell(rule.waivable)}` : "no"} | ${refusedBy(rule.id)} |`),
    ...(attacks.length > 0
      ? [
          "",
          `Attack corpus (\`test/fixtures/attacks/attacks.yaml\`, asserted by \`test/attacks.test.ts\`): ${attacks.length} unsafe or malformed edits of a copy of today's data, all refused, ${count(attacks, (a) => a.rule, "SCHEMA")} of them by the loader (SCHEMA) and the rest by the rule named above. By class: ${classes.map((c) => `${c} ${count(attacks, (a) => a.class, c)}`).join(", ")}.`,
        ]
      : []),
  ].join("\n");
}

/** `doc` (docs/RULES.md) with the text between the markers replaced by the table. */
export function withRuleTable(doc: string, rules: readonly Rule[], attacks: readonly AttackSummary[] = []): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/RULES.md has no ${TABLE_START} ... ${TABLE_END} section`);
  return `${doc.slice(0, start + TABLE_START.length)}\n${renderRuleTable(rules, attacks)}\n${doc.slice(end)}`;
}
