/**
 * Free text and values that may carry credentials: how they are limited, and how they are shown. The data file's free
 * text (usedBy, description, justification, a suppression's reason) reaches outputs (so Terraform state), ACCESS.md and
 * the merge-request note; a URL or state address may carry a token. Nothing here prints a secret part.
 */

/** Longest free text a data file may hold in one field (one line, docs/data-file.md). */
export const MAX_FREE_TEXT = 200;

/** Line breaks, tabs and other control or invisible line-separator characters: free text is one printable line. */
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** What is wrong with a free-text value, or undefined when it is one printable line within the cap. */
export function freeTextProblem(text: string): string | undefined {
  if (NOT_ONE_LINE.test(text)) return "is not one line of printable text (line breaks, tabs and control characters are refused)";
  if (text.length > MAX_FREE_TEXT) return `is ${text.length} characters long, at most ${MAX_FREE_TEXT} are allowed`;
  // Free text reaches cdk.tf.json as strings (outputs, descriptions), where Terraform reads `${...}` as an expression
  // and `%{...}` as a template directive: a data file could make Terraform evaluate code into state.
  if (/[$%]\{/.test(text)) return "holds ${ or %{, which Terraform would evaluate as an expression or a template directive in the outputs and state";
  return undefined;
}

/** Query parameters whose value is a credential (GitLab's private_token, job_token, OAuth access_token, ...). */
const SECRET_QUERY = /([?&](?:private_token|job_token|access_token|token|password|passwd|secret|api_key|apikey|key)=)[^&#\s]*/gi;
/** `scheme://user:password@` or `scheme://token@`. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** Whether a URL-like value carries credentials (user info, or a credential query parameter). */
export const carriesCredentials = (value: string): boolean => new RegExp(URL_USERINFO.source, "i").test(value) || new RegExp(SECRET_QUERY.source, "i").test(value);

/** The value with every credential part replaced by `***`, safe to print. */
export function redactCredentials(value: string): string {
  return value.replace(URL_USERINFO, "$1***@").replace(SECRET_QUERY, "$1***");
}

/**
 * Text shown inside Markdown prose or a table cell: one line, no Markdown or HTML syntax that could format or inject.
 * A table cell escapes `|` itself (lib/review/access-report.ts cell).
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`);
}

/** Control characters and line breaks shown as escapes (`\n`), so that one value is always one line. */
export function oneLine(text: string): string {
  return text.replace(new RegExp(NOT_ONE_LINE.source, "g"), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A fenced code block that its content cannot close: the fence is longer than any backtick run inside. */
export function codeBlock(info: string, lines: readonly string[]): string {
  const safe = lines.map(oneLine);
  const longest = Math.max(0, ...safe.map((line) => Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length))));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...safe, fence].join("\n");
}

/** `1 path`, `3 paths`; `words` for an irregular plural. */
export const plural = (count: number, word: string, words = `${word}s`): string => `${count} ${count === 1 ? word : words}`;
