/** Rules for the data file's free text, which reaches outputs (so Terraform state), ACCESS.md and the merge-request note. */
import type { Rule, RuleInput } from "./rule";
import { dataFinding } from "./rule";
import { freeTextProblem, MAX_FREE_TEXT } from "../lib/model/text";

/** Every free-text field of the data file, with where it is. */
function freeTexts(input: RuleInput): [string, string][] {
  const { roles, workloads, accounts } = input.config;
  const reasons = (at: string, suppress: readonly { reason: string }[]) => suppress.map((s, k): [string, string] => [`${at}.suppress[${k}].reason`, s.reason]);
  return [
    ...roles.flatMap((role, i) => [
      ...(role.description !== undefined ? [[`roles[${i}].description`, role.description] as [string, string]] : []),
      ...role.reads.flatMap((read, j) => (read.usedBy !== undefined ? [[`roles[${i}].reads[${j}].usedBy`, read.usedBy] as [string, string]] : [])),
      ...reasons(`roles[${i}]`, role.suppress),
    ]),
    ...workloads.map((w, i): [string, string] => [`workloads[${i}].description`, w.description]),
    ...accounts.flatMap((account, i) => [
      [`accounts[${i}].usedBy`, account.usedBy] as [string, string],
      ...(account.justification !== undefined ? [[`accounts[${i}].justification`, account.justification] as [string, string]] : []),
      ...reasons(`accounts[${i}]`, account.suppress),
    ]),
  ];
}

export const freeTextOneLine: Rule = {
  id: "TEXT-001",
  explanation: `Free text (description, usedBy, justification, a suppression's reason) is one printable line of at most ${MAX_FREE_TEXT} characters, without ${"${"} or %{: it is copied into outputs (so into state), ACCESS.md and the merge-request note, where a line break or a long text could inject or hide content and Terraform would evaluate an expression or a template directive.`,
  fix: `write one short line (at most ${MAX_FREE_TEXT} characters); link to a ticket for more`,
  check: (input) =>
    freeTexts(input).flatMap(([path, text]) => {
      const problem = freeTextProblem(text);
      return problem ? [dataFinding(path, problem)] : [];
    }),
};

export const FREE_TEXT_RULES: readonly Rule[] = [freeTextOneLine];
