/**
 * Data into generated code, one quoting function per target. Every value of the data file that reaches the generated
 * shell (the CI templates' before_script) goes through `sh`, every one that reaches a YAML comment through
 * `yamlComment`; YAML values are the yaml package's to quote (a Document, never text), Markdown is
 * lib/model/text.ts escapeMarkdown. Nothing from the data is ever pasted into code as it is.
 */
import { oneLine } from "./text";

/** A value that cannot be quoted for the target (a NUL byte: no shell word can hold one). */
export class QuoteError extends Error {}

/** Characters that mean nothing to the shell in a word outside quotes (no `~` or `#`: they do at a word's start). */
const PLAIN_SAFE = /^[A-Za-z0-9_./:@%+=,-]+$/;
/** Characters that mean something inside double quotes (`!`: history expansion in an interactive bash). */
const DOUBLE_UNSAFE = /[$`"\\!]/;

/**
 * `it's` -> `'it'\''s'`: one shell word whose text is exactly `value`, expanded by nothing. A value of characters
 * that mean nothing to the shell stays as it is (`nexus-ci`), so that the generated script reads like hand-written.
 * `inDoubleQuotes`: for a place inside `"..."`, where the quotes are closed around the quoted value.
 */
export function shellQuote(value: string, inDoubleQuotes = false): string {
  if (value.includes("\u0000")) throw new QuoteError(`${JSON.stringify(value)} holds a NUL byte, which no shell word can hold`);
  if (inDoubleQuotes) return DOUBLE_UNSAFE.test(value) ? `"${shellQuote(value)}"` : value;
  return PLAIN_SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Shell code that `sh` inserts as it is: built by `sh` itself, or a name `shellName` checked. */
export class ShellCode {
  constructor(
    readonly text: string,
    /** Also means the same inside double quotes: a checked name (`"$NAME"`), `shellDefaults`. */
    readonly inDoubleQuotes = false,
  ) {}
  toString(): string {
    return this.text;
  }
}

/** A variable or function name, checked to be one (`[A-Za-z_][A-Za-z0-9_]*`), for `NAME=` and `$NAME` in `sh`. */
export function shellName(name: string): ShellCode {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new QuoteError(`${JSON.stringify(name)} is not a shell variable name`);
  return new ShellCode(name, true);
}

/** `label=${NAME:-default}, ...` for text inside double quotes: labels `[a-z_]`, checked names, defaults `[a-z]`. */
export function shellDefaults(pairs: readonly (readonly [label: string, name: string])[], fallback: string): ShellCode {
  if (!/^[a-z]+$/.test(fallback)) throw new QuoteError(`${JSON.stringify(fallback)} is not a plain word`);
  const text = pairs.map(([label, name]) => {
    if (!/^[a-z_]+$/.test(label)) throw new QuoteError(`${JSON.stringify(label)} is not a plain label`);
    return `${label}=\${${shellName(name).text}:-${fallback}}`;
  });
  return new ShellCode(text.join(", "), true);
}

/** Checked names, one after the other: `export A B`. */
export function shellNames(names: readonly string[]): ShellCode {
  return new ShellCode(names.map((name) => shellName(name).text).join(" "));
}

/** Alternatives of a `case` pattern, each quoted: `'a'|'b'`. */
export function casePattern(values: readonly string[]): ShellCode {
  if (values.length === 0) throw new QuoteError("a case pattern needs at least one alternative");
  return new ShellCode(values.map((value) => shellQuote(value)).join("|"));
}

/** Where the code around a value is: outside quotes, in `"..."`, in `'...'`, in a `#` comment, inside `$( )`. */
type Context = "plain" | "double" | "single" | "comment" | "subst";

/**
 * Shell code with every interpolated value quoted by construction: `sh\`vs_fail "role ${role} may not"\`` with a role `$(x)` gives
 * `vs_fail "role "'$(x)'" may not"`. Where a value lands is read from the code around it: outside quotes it
 * becomes one word (shellQuote), inside double quotes the double quotes are closed around it, so that `$`, `` ` ``,
 * `\` and `"` in the value are text. A value inside single quotes or a `#` comment is refused (a line break would end
 * the comment and run the rest). A ShellCode value (`shellName`, `casePattern`, a nested `sh`) is inserted as it
 * is, outside quotes only (a checked name also inside double quotes).
 */
export function sh(strings: TemplateStringsArray, ...values: readonly (string | number | ShellCode)[]): ShellCode {
  const reader = new QuoteReader();
  let out = "";
  strings.forEach((code, i) => {
    out += code;
    reader.read(code);
    if (i === values.length) return;
    const value = values[i];
    const where = reader.context;
    const near = JSON.stringify(code.slice(-40));
    if (where === "single" || where === "comment")
      throw new QuoteError(`a value cannot go inside ${where === "single" ? "single quotes" : "a comment"}: after ${near}`);
    let text: string;
    if (value instanceof ShellCode) {
      if (where === "double" && !value.inDoubleQuotes) throw new QuoteError(`shell code cannot go inside double quotes: after ${near}`);
      text = value.text;
    } else text = shellQuote(String(value), where === "double");
    out += text;
    reader.read(text);
  });
  if (!reader.balanced) throw new QuoteError(`an unterminated quote or $( in: ${JSON.stringify(out.slice(0, 80))}`);
  return new ShellCode(out);
}

/** Follows the quoting of shell code as it is written, piece by piece: quotes, backslashes, comments, `$( )`. */
class QuoteReader {
  private readonly stack: Context[] = ["plain"];
  private previous = "\n";

  get context(): Context {
    return this.stack[this.stack.length - 1];
  }

  /** Nothing left open (a comment ends with its line, or with the code). */
  get balanced(): boolean {
    return this.stack.length === 1 || (this.stack.length === 2 && this.context === "comment");
  }

  read(code: string): void {
    for (let i = 0; i < code.length; i++) {
      const c = code[i];
      const where = this.context;
      if (where === "comment") {
        if (c === "\n") this.stack.pop();
      } else if (where === "single") {
        if (c === "'") this.stack.pop();
      } else if (c === "\\") {
        i++;
      } else if (c === "$" && code[i + 1] === "(") {
        this.stack.push("subst");
        i++;
      } else if (where === "double") {
        if (c === '"') this.stack.pop();
      } else if (c === "'") this.stack.push("single");
      else if (c === '"') this.stack.push("double");
      else if (c === ")" && where === "subst") this.stack.pop();
      else if (c === "#" && /[\s;&|()]/.test(this.previous)) this.stack.push("comment");
      this.previous = code[i];
    }
  }
}

/** One line of a YAML comment: line breaks and other control characters shown as escapes, so it stays a comment. */
export function yamlComment(text: string): string {
  return oneLine(text);
}
