/**
 * GitLab's CODEOWNERS semantics, for the patterns this repository uses, as pure functions: which owners GitLab asks
 * to approve a change to a path. The tests evaluate the committed CODEOWNERS on every tracked file with it
 * (test/codeowners.test.ts).
 *
 * What GitLab documents, and this follows:
 * - https://docs.gitlab.com/user/project/codeowners/reference/ : one rule a line, `#` starts a comment, a pattern
 *   then owners; "Rules defined later in the file take precedence over earlier rules" (the last matching pattern
 *   wins); `*` is the default for every file; a pattern not starting with `/` matches at any depth, one ending in
 *   `/` matches everything below that folder; `\ ` and `\#` escape a space and a pound sign.
 * - https://docs.gitlab.com/user/project/codeowners/advanced/ : patterns are matched with Ruby's File::fnmatch with
 *   FNM_DOTMATCH (so `*` matches dotfiles such as `.npmrc`) and FNM_PATHNAME (`*` does not cross `/`; `**` matches
 *   folders recursively).
 * - https://docs.gitlab.com/user/project/codeowners/reference/#exclusion-patterns (GitLab 17.10): a pattern
 *   prefixed with `!` exempts the files it matches from code-owner approval in its section, whatever the order of
 *   the lines (gitlab-org/gitlab!180162: "if any matching entry is an exclusion, that file is excluded"); there is
 *   no re-inclusion (gitlab-org/gitlab#519623).
 * - An entry without owners makes an approval rule nobody has to satisfy (gitlab-org/gitlab!192387: rules without
 *   approvers are auto-approved), so a file whose last match has no owners is unowned here too.
 *
 * Sections (`[Name]`) and character classes are refused rather than modelled: this repository uses neither, and a
 * file they would appear in must not be evaluated with the wrong rules.
 */

export interface CodeownersEntry {
  /** 1-based line in the file. */
  readonly line: number;
  /** The pattern as written, without the `!` of an exclusion. */
  readonly pattern: string;
  readonly owners: readonly string[];
  /** `!pattern`: files it matches need no code-owner approval. */
  readonly exclusion: boolean;
}

export class CodeownersError extends Error {}

/** Splits on unescaped whitespace; `\ ` and `\#` stand for a space and a pound sign. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && (line[i + 1] === " " || line[i + 1] === "#")) current += line[++i];
    else if (c === " " || c === "\t") {
      if (current) out.push(current);
      current = "";
    } else current += c;
  }
  if (current) out.push(current);
  return out;
}

/** The entries of a CODEOWNERS text, in file order; `file` names it in errors. */
export function parseCodeowners(text: string, file = "CODEOWNERS"): CodeownersEntry[] {
  return text.split("\n").flatMap((raw, index): CodeownersEntry[] => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith("#")) return [];
    const fail = (field: string, value: string, allowed: string) =>
      new CodeownersError(`${file}:${line}: ${field} ${JSON.stringify(value)} is not supported; allowed: ${allowed}`);
    if (/^\^?\[/.test(trimmed)) throw fail("section", trimmed, "rules outside sections (this file is evaluated without them)");
    const [first, ...owners] = tokens(trimmed);
    const exclusion = first.startsWith("!");
    const pattern = exclusion ? first.slice(1) : first;
    if (!pattern) throw fail("pattern", first, "a path pattern after the `!`");
    if (/[[\]{}]/.test(pattern)) throw fail("pattern", pattern, "paths with `*`, `**` and `?` (no character classes or braces)");
    if (exclusion && owners.length > 0) throw fail("owners of an exclusion", owners.join(" "), "none: `!pattern` takes no owners");
    const notOwner = owners.find((owner) => !owner.includes("@"));
    if (notOwner) throw fail("owner", notOwner, "@user, @group/subgroup, @@role or an email address");
    return [{ line, pattern, owners, exclusion }];
  });
}

/** GitLab's normalisation: unanchored patterns match at any depth, a folder pattern everything below it. */
function normalise(pattern: string): string {
  const anchored = pattern.startsWith("/") ? pattern : `/**/${pattern}`;
  return anchored.endsWith("/") ? `${anchored}**/*` : anchored;
}

const escapeRegExp = (text: string): string => text.replace(/[.+^${}()|\\]/g, "\\$&");

/** File::fnmatch(pattern, path, FNM_PATHNAME | FNM_DOTMATCH) as a regular expression. */
function fnmatchRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith("**/", i)) {
      source += "(?:[^/]*/)*"; // zero or more folders
      i += 2;
    } else if (pattern[i] === "*") source += "[^/]*";
    else if (pattern[i] === "?") source += "[^/]";
    else source += escapeRegExp(pattern[i]);
  }
  return new RegExp(`^${source}$`);
}

/** Whether a CODEOWNERS pattern matches a repository path (`docs/a.md`, no leading slash). */
export function patternMatches(pattern: string, path: string): boolean {
  return fnmatchRegExp(normalise(pattern)).test(`/${path}`);
}

/** The owners whose approval a change to `path` needs: none when it is excluded, matched by no entry, or by an ownerless one. */
export function ownersOf(entries: readonly CodeownersEntry[], path: string): readonly string[] {
  const matching = entries.filter((entry) => patternMatches(entry.pattern, path));
  if (matching.some((entry) => entry.exclusion)) return [];
  return matching.at(-1)?.owners ?? [];
}
