/** The rule pack as a Markdown table, for the README (kept in sync by a test). */
import type { Rule } from "./rule";

export const TABLE_START = "<!-- rules:start (generated from rules/index.ts; `npm run rules` rewrites it) -->";
export const TABLE_END = "<!-- rules:end -->";

export function renderRuleTable(rules: readonly Rule[]): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  return [
    "| rule | demands | fix |",
    "|---|---|---|",
    ...rules.map((rule) => `| ${rule.id} | ${cell(rule.explanation)} | ${cell(rule.fix)} |`),
  ].join("\n");
}

/** `readme` with the text between the markers replaced by the table. */
export function withRuleTable(readme: string, rules: readonly Rule[]): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README has no ${TABLE_START} ... ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderRuleTable(rules)}\n${readme.slice(end)}`;
}
