/**
 * Free text and values that may carry credentials: how they are limited, and how they are shown. The data file's free
 * text (usedBy, description, justification, a suppression's reason) reaches outputs (so Terraform state), ACCESS.md and
 * the merge-request note; a URL or state address may carry a token. Nothing here prints a secret part.
 */

/** Longest free text a data file may hold in one field (one line, docs/data-file.md). */
export const MAX_FREE_TEXT = 200;

/** Line breaks, tabs and other control or invisible line-separator characters: free text is one printable line. */
const NOT_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Characters that show as nothing or as a blank, or that reorder the text around them (a right-to-left override):
 * a reason of 20 of them would look empty in ACCESS.md and the merge-request note. Control, format, private-use,
 * surrogate, unassigned and line/paragraph separator characters; every space but U+0020 (no-break, em, ideographic
 * spaces); and the blank look-alikes Unicode counts as letters, symbols or marks: the combining grapheme joiner, Hangul
 * fillers, Khmer inherent vowels, Mongolian and other variation selectors and the Braille blank. (Soft hyphen, zero-width
 * characters, U+180E, U+FEFF and the tag characters U+E0000-U+E007F are format or unassigned characters.)
 */
const HIDDEN =
  /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}|[\u115F\u1160\u2800\u3164\uFFA0]|\u034F|\u17B4|\u17B5|[\u180B-\u180F]|[\uFE00-\uFE0F]|[\u{E0100}-\u{E01EF}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** `U+200B`, `U+E0041`: a character named by its code point, so that a message never carries it. */
export const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** The first hidden character (see HIDDEN) and its 1-based position in code points, or undefined. */
export function hiddenCharacter(text: string): { char: string; at: number } | undefined {
  const chars = [...text];
  const at = chars.findIndex((c) => HIDDEN.test(c));
  return at < 0 ? undefined : { char: chars[at], at: at + 1 };
}

/** How many visible letters and digits (Unicode \p{L}\p{N}, blank look-alikes excluded) the text holds: what a minimum counts. */
export const visibleLetterCount = (text: string): number => [...text].filter((c) => LETTER_OR_DIGIT.test(c) && !HIDDEN.test(c)).length;

/** What is wrong with a free-text value, or undefined when it is one printable line within the cap. */
export function freeTextProblem(text: string): string | undefined {
  if (NOT_ONE_LINE.test(text)) return "is not one line of printable text (line breaks, tabs and control characters are refused)";
  const hidden = hiddenCharacter(text);
  if (hidden) {
    return `holds ${codePoint(hidden.char)} at character ${hidden.at}, an invisible, format, private-use or blank look-alike character: only visible characters and the plain space (U+0020) are allowed, so that nothing is hidden or reordered in ACCESS.md and the merge-request note`;
  }
  if (visibleLetterCount(text) === 0) return "has no visible letter or digit: write what it is for";
  if (text.length > MAX_FREE_TEXT) return `is ${text.length} characters long, at most ${MAX_FREE_TEXT} are allowed`;
  // Free text reaches cdk.tf.json as strings (outputs, descriptions), where Terraform reads `${...}` as an expression
  // and `%{...}` as a template directive: a data file could make Terraform evaluate code into state.
  if (/[$%]\{/.test(text)) return "holds ${ or %{, which Terraform would evaluate as an expression or a template directive in the outputs and state";
  return undefined;
}

/** Shortest run of token characters that counts as a possible key or token. */
export const MIN_TOKEN_LENGTH = 16;
/** Shannon entropy per character above which such a run is taken for random (English words and names stay below). */
export const MIN_TOKEN_ENTROPY = 3.5;
/**
 * Characters keys and tokens are written in (base64url, alphanumerics, base64 but for `/`): `/` ends a run, so that a
 * path such as `Group/SubProject2` is two words, not one token.
 */
const TOKEN_RUN = new RegExp(`[A-Za-z0-9+_=-]{${MIN_TOKEN_LENGTH},}`, "g");

/** Shannon entropy of a string in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  const n = [...text].length;
  return [...counts.values()].reduce((bits, k) => bits - (k / n) * Math.log2(k / n), 0);
}

/**
 * A high-entropy token: a run of at least MIN_TOKEN_LENGTH characters from [A-Za-z0-9+_=-] that mixes upper case,
 * lower case and digits and has more than MIN_TOKEN_ENTROPY bits per character. Its 0-based index, or undefined.
 * Account names, KV paths, URLs (`:` and `.` end a run) and permission strings are lower case or short, so they pass.
 */
export function highEntropyToken(text: string): number | undefined {
  for (const match of text.matchAll(TOKEN_RUN)) {
    const run = match[0];
    if (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run) && shannonEntropy(run) > MIN_TOKEN_ENTROPY) return match.index;
  }
  return undefined;
}

/** Credential formats that must never be written into the data file (ACC-003, and the loader's comment scan). */
const CREDENTIAL_PATTERNS: readonly [string, RegExp][] = [
  ["a Vault token", /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/],
  ["a legacy Vault token", /\bs\.[A-Za-z0-9]{24}\b/],
  ["a GitLab token", /\bgl(pat|dt|rt|cbt|ptt|ft|oas|soat)-[A-Za-z0-9_-]{16,}/],
  ["a private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ["an AWS access key", /\bAKIA[0-9A-Z]{16}\b/],
  ["a GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36}\b/],
  // Before the password assignment, which would also match `?token=...`: a URL's parameter gets the more precise name.
  ["a credential in a URL query", /[?&](private_token|job_token|access_token|token|password|api_key)=[^&\s]+/i],
  // A placeholder (`token=...`, `password: <the password>`) is an instruction, not a credential.
  ["a password assignment", /\b(pass(word)?|passwd|pwd|secret|token|api[_-]?key)\s*[:=]\s*(?!\.\.\.(\s|$)|<[^>]*>(\s|$))\S+/i],
  ["credentials in a URL", /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i],
  // Prose: "the password is Winter2024!", "pwd for svc-x was s3cret": a credential word, a verb or sign, then a value
  // with a digit or a symbol (plain words such as "is rotated monthly" pass).
  ["a password written as prose", /\b(pass(word|phrase)?s?|passwd|pwd|secret|token|api[ _-]?key|credentials?)\b[^.;,]{0,30}?\b(is|was|are|were|equals|set to)\b\s*[:=]?\s*["'`]?(?=[^\s"'`]*[0-9!@#$%^&*+=~?])[^\s"'`]{6,}/i],
  // A long random-looking token (upper and lower case letters and digits): a key or token pasted without its name.
  ["a random-looking string (a key or token?)", /(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_=-]*[A-Z])(?=[A-Za-z0-9+/_=-]*[a-z])(?=[A-Za-z0-9+/_=-]*[0-9])[A-Za-z0-9+/_=-]{24,}/],
];

/** Which credential format (CREDENTIAL_PATTERNS) a value holds, and where it starts (0-based), or undefined. */
export function credentialFormatIn(value: string): { kind: string; index: number } | undefined {
  for (const [kind, pattern] of CREDENTIAL_PATTERNS) {
    const match = pattern.exec(value);
    if (match) return { kind, index: match.index };
  }
  return undefined;
}

/** A credential format, else a high-entropy token (comments and free text are scanned for both). */
export function credentialIn(value: string): { kind: string; index: number } | undefined {
  const index = highEntropyToken(value);
  return credentialFormatIn(value) ?? (index === undefined ? undefined : { kind: "a high-entropy token (a key or token?)", index });
}

export interface TextCredential {
  /** 1-based, as editors count. */
  readonly line: number;
  readonly col: number;
  readonly kind: string;
  /** Whether the hit is in a YAML comment (after a `#` that starts the line or follows a blank). */
  readonly inComment: boolean;
}

/**
 * Credentials anywhere in a YAML file's text, comments included, with their line and column: what the parsed data
 * never shows (a comment), and what the schema never reads. Each line's comment is scanned apart from its value, so
 * that a hit says which of the two holds it; `commentsOnly` scans the comments alone. A `#` inside a quoted value is
 * taken for a comment too: what is scanned then is still the file's text, and the hit a credential.
 */
export function credentialsInText(text: string, { commentsOnly = false } = {}): TextCredential[] {
  const hits: TextCredential[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    if (commentsOnly && !content.includes("#")) return; // most lines of a large file: no comment, nothing to scan
    const hash = content.search(/(^|[ \t])#/);
    const comment = hash < 0 ? -1 : content.indexOf("#", hash);
    const parts: [number, string, boolean][] = [];
    if (!commentsOnly) parts.push([0, comment < 0 ? content : content.slice(0, comment), false]);
    if (comment >= 0) parts.push([comment, content.slice(comment), true]);
    for (const [start, part, inComment] of parts) {
      const found = credentialIn(part);
      if (found) hits.push({ line: i + 1, col: start + found.index + 1, kind: found.kind, inComment });
    }
  });
  return hits;
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

/** Control, invisible and format characters and line breaks shown as escapes (`\u000a`), so that one value is always one visible line. */
export function oneLine(text: string): string {
  // Hidden characters too (TEXT-001 refuses them in free text; this keeps any other text from hiding or reordering).
  return text.replace(new RegExp(HIDDEN.source, "gu"), (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
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
