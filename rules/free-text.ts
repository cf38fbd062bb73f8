/** Rules for the data file's free text, which reaches outputs (so Terraform state), ACCESS.md and the merge-request note. */
import type { Rule, RuleInput } from "./rule";
import { dataFinding } from "./rule";
import { freeTextProblem, highEntropyToken, MAX_FREE_TEXT, MIN_TOKEN_ENTROPY, MIN_TOKEN_LENGTH } from "../lib/model/text";

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
  explanation: `Free text (description, usedBy, justification, a suppression's reason) is one printable line of at most ${MAX_FREE_TEXT} characters with at least one visible letter or digit, without ${"${"} or %{, and without control, format (zero-width, soft hyphen, right-to-left override, tag), private-use or unassigned characters, spaces other than U+0020, or blank look-alikes (Braille blank, Hangul fillers, variation selectors): it is copied into outputs (so into state), ACCESS.md and the merge-request note, where a line break, a long text or an invisible character could inject, hide or reorder content and Terraform would evaluate an expression or a template directive.`,
  fix: `write one short line (at most ${MAX_FREE_TEXT} characters) of visible text and plain spaces; link to a ticket for more`,
  check: (input) =>
    freeTexts(input).flatMap(([path, text]) => {
      const problem = freeTextProblem(text);
      return problem ? [dataFinding(path, problem)] : [];
    }),
};

export const noTokenInFreeText: Rule = {
  id: "TEXT-002",
  explanation: `Free text holds no high-entropy token: a run of at least ${MIN_TOKEN_LENGTH} characters from [A-Za-z0-9+_=-] (a "/" ends it, so paths are words) that mixes upper case, lower case and digits with more than ${MIN_TOKEN_ENTROPY} bits of Shannon entropy per character (a key or token pasted without its name, too short for ACC-003's formats). Free text reaches state, ACCESS.md and the merge-request note.`,
  fix: "delete the token (rotate it if it was committed); name a credential by its Vault path, never by its value",
  check: (input) =>
    freeTexts(input).flatMap(([path, text]) => {
      const at = highEntropyToken(text);
      // Counted in characters (code points), as TEXT-001 counts them.
      return at === undefined ? [] : [dataFinding(path, `holds a high-entropy token at character ${[...text.slice(0, at)].length + 1} (a key or token?)`)];
    }),
};

export const FREE_TEXT_RULES: readonly Rule[] = [freeTextOneLine, noTokenInFreeText];
