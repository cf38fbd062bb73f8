/**
 * A fast reader for the plain YAML data files are written in: block mappings and sequences, one-line flow sequences
 * of scalars, plain and quoted one-line scalars, and comments. It returns the value the `yaml` package would give
 * (YAML 1.2, core schema), or undefined for anything it does not read itself, and the loader then parses the text with
 * `yaml` as before: so a file means exactly what `yaml` says it means, and only how fast it is read differs.
 *
 * Why: the `yaml` package builds a document of nodes with positions for every value, the largest part of loading a
 * data file (about 0.4 s of a 3000-account synth, and of npm test's hundreds of loads). Positions are needed only for
 * a message, and a file read here is parsed by `yaml` again when one is (lib/model/config.ts, lazyLocator).
 *
 * What is read here is deliberately narrow. Anything else is left to `yaml`, in the whole file: tabs, carriage returns,
 * control characters, a byte order mark, document markers and directives, anchors, aliases, tags, block scalars,
 * multi-line scalars, flow mappings and nested flow collections, escapes in double quotes, explicit and quoted keys,
 * a key twice in one mapping (an error in `yaml`), keys that are not plain names (`__proto__` among them), and any
 * plain scalar whose type is not plainly a string, an integer below 10^15, a boolean or null: a number with a sign, a
 * fraction, an exponent or a base (`-1`, `1.5`, `0x1F`, `1e3`), `.inf`, and every scalar that starts with an
 * indicator. test/plain-yaml.test.ts compares it with `yaml` on every data file of the repository and on generated
 * and mutated texts: it must return `yaml`'s value or undefined, never another value.
 */

/** Reads `text` as the plain YAML above: its value, or undefined when `yaml` must read it. */
export function readPlainYaml(text: string): Record<string, unknown> | undefined {
  if (hasUnreadCharacter(text)) return undefined;
  const lines = logicalLines(text);
  if (lines === undefined || lines.length === 0 || lines[0].indent !== 0 || lines[0].kind !== "entry") return undefined;
  const reader = new Reader(lines);
  const value = reader.block(0, 0);
  return reader.ok && reader.next === lines.length ? (value as Record<string, unknown>) : undefined;
}

/**
 * Whether `text` has a character that sends the whole file to `yaml`: a tab, a carriage return or another control
 * character (line feeds aside), DEL and the C1 controls (NEL among them), the line and paragraph separators, anything
 * from U+FEFF up (the byte order mark, the specials, the non-characters), or any character beyond the Basic
 * Multilingual Plane (a surrogate).
 */
function hasUnreadCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 ? c !== 10 : (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || c >= 0xfeff || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/**
 * A line of the file as the reader sees it. `- x` is two logical lines: a dash at the dash's column and `x` at its
 * own column (so that `- name: a` starts a mapping at the column of `name`, as YAML reads it).
 */
type Line =
  | { readonly kind: "dash"; readonly indent: number }
  | { readonly kind: "entry"; readonly indent: number; readonly key: string; readonly value: Value | undefined }
  | { readonly kind: "scalar"; readonly indent: number; readonly value: Value };

/** A value written on its line (a scalar or a flow sequence). */
interface Value {
  readonly value: unknown;
}

/** The file as logical lines, without blank and comment lines; undefined when a line is not plain YAML. */
function logicalLines(text: string): Line[] | undefined {
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    let rest = raw.slice(indent);
    if (rest === "" || rest.startsWith("#")) continue;
    // A dash and what follows it on the same line.
    while (rest === "-" || rest.startsWith("- ")) {
      lines.push({ kind: "dash", indent });
      let after = 1;
      while (rest.charCodeAt(after) === 32) after++;
      indent += after;
      rest = rest.slice(after);
      if (rest === "" || rest.startsWith("#")) break;
    }
    if (rest === "" || rest.startsWith("#")) continue;
    const line = contentLine(rest, indent);
    if (line === undefined) return undefined;
    lines.push(line);
  }
  return lines;
}

/** A key name that means itself as a string, and never a null, a boolean or a number in YAML, nor an object's prototype. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** `key: value`, `key:` or a lone value, at `indent`; undefined when it is not plain YAML. */
function contentLine(rest: string, indent: number): Line | undefined {
  const colon = rest.indexOf(":");
  const keyEnd = colon > 0 && (colon === rest.length - 1 || rest[colon + 1] === " ") ? colon : -1;
  if (keyEnd > 0 && PLAIN_KEY.test(rest.slice(0, keyEnd))) {
    const key = rest.slice(0, keyEnd);
    if (UNSAFE_KEYS.has(key) || scalarKeyword(key) !== undefined) return undefined;
    const valueText = rest.slice(keyEnd + 1).trimStart();
    if (valueText === "" || valueText.startsWith("#")) return { kind: "entry", indent, key, value: undefined };
    const value = inlineValue(valueText);
    return value === undefined ? undefined : { kind: "entry", indent, key, value };
  }
  const value = inlineValue(rest);
  return value === undefined ? undefined : { kind: "scalar", indent, value };
}

/** A value on the rest of a line, with an optional comment after it: a quoted or plain scalar, or a flow sequence. */
function inlineValue(text: string): Value | undefined {
  let value: unknown;
  let after: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return undefined;
    const items = flowItems(text.slice(1, close));
    if (items === undefined) return undefined;
    value = items;
    after = text.slice(close + 1);
  } else if (text.startsWith('"') || text.startsWith("'")) {
    const quoted = quotedScalar(text);
    if (quoted === undefined) return undefined;
    value = quoted.value;
    after = text.slice(quoted.length);
  } else {
    const comment = text.indexOf(" #");
    const plain = (comment < 0 ? text : text.slice(0, comment)).trimEnd();
    if (plain.includes(": ") || plain.endsWith(":")) return undefined;
    const typed = plainScalar(plain);
    if (typed === undefined) return undefined;
    return { value: typed.value };
  }
  return /^( +#.*| *)$/.test(after) ? { value } : undefined;
}

/** The items of a one-line flow sequence of scalars (the text between its brackets). */
function flowItems(inner: string): unknown[] | undefined {
  if (inner.trim() === "") return [];
  if (/[[\]{}#]/.test(inner)) return undefined;
  const items: unknown[] = [];
  for (const part of inner.split(",")) {
    const text = part.trim();
    if (text === "") return undefined; // [a, , b] or a trailing comma: left to yaml
    if (text.startsWith('"') || text.startsWith("'")) {
      const quoted = quotedScalar(text);
      if (quoted === undefined || quoted.length !== text.length) return undefined;
      items.push(quoted.value);
      continue;
    }
    // A colon only inside a word (`docker:read`, `https://`): before a space, a comma or the end it makes a key.
    if (/:(?![A-Za-z0-9/])/.test(text)) return undefined;
    const typed = plainScalar(text);
    if (typed === undefined) return undefined;
    items.push(typed.value);
  }
  return items;
}

/** A quoted scalar at the start of `text` (no escapes in double quotes; '' in single quotes), and its length. */
function quotedScalar(text: string): { value: string; length: number } | undefined {
  const quote = text[0];
  if (quote === '"') {
    const close = text.indexOf('"', 1);
    if (close < 0) return undefined;
    const value = text.slice(1, close);
    return value.includes("\\") ? undefined : { value, length: close + 1 };
  }
  let value = "";
  for (let i = 1; i < text.length; i++) {
    if (text[i] !== "'") {
      value += text[i];
    } else if (text[i + 1] === "'") {
      value += "'";
      i++;
    } else {
      return { value, length: i + 1 };
    }
  }
  return undefined;
}

/** null, true or false for YAML's core-schema words (yaml/dist/schema: null.js, core/bool.js), else undefined. */
function scalarKeyword(text: string): { value: null | boolean } | undefined {
  if (text === "" || text === "~" || text === "null" || text === "Null" || text === "NULL") return { value: null };
  if (text === "true" || text === "True" || text === "TRUE") return { value: true };
  if (text === "false" || text === "False" || text === "FALSE") return { value: false };
  return undefined;
}

/** A decimal integer JavaScript holds exactly, without sign or leading zero. */
const SMALL_INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
/** What might be a number in some base, with a fraction or an exponent (core/int.js, core/float.js): left to yaml. */
const NUMBER_LIKE = /^[0-9][0-9a-fA-FxXoO._eE+-]*$/;

/** The value of a plain scalar, typed as `yaml`'s core schema types it; undefined when it is left to yaml. */
function plainScalar(text: string): { value: unknown } | undefined {
  const keyword = scalarKeyword(text);
  if (keyword !== undefined) return text === "" ? undefined : keyword;
  const first = text.charCodeAt(0);
  const isLetter = (first >= 65 && first <= 90) || (first >= 97 && first <= 122);
  const isDigit = first >= 48 && first <= 57;
  if (isDigit) {
    if (SMALL_INTEGER.test(text)) return { value: Number(text) };
    if (NUMBER_LIKE.test(text)) return undefined;
    return { value: text };
  }
  // A letter is never the start of a number or of an indicator; "/" and "(" are neither, and are common in paths and prose.
  if (isLetter || text[0] === "/" || text[0] === "(") return { value: text };
  return undefined;
}

/** Builds the value of the logical lines, by indentation. `ok` turns false at anything that is not plain YAML. */
class Reader {
  next = 0;
  ok = true;

  constructor(private readonly lines: readonly Line[]) {}

  /** The block node (mapping or sequence) whose first line is the next one, at `indent`. */
  block(indent: number, depth: number): unknown {
    if (depth > 100) return this.fail();
    const line = this.lines[this.next];
    if (line.kind === "dash") return this.sequence(line.indent, depth);
    if (line.kind === "entry") return this.mapping(line.indent, depth);
    // A lone scalar: only as an item of a sequence, with nothing more deeply indented after it.
    this.next++;
    if (indent === 0 || this.deeper(line.indent)) return this.fail();
    return line.value.value;
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    while (this.ok && this.next < this.lines.length) {
      const line = this.lines[this.next];
      if (line.indent < indent) break;
      if (line.indent > indent || line.kind !== "entry") return this.fail();
      if (Object.hasOwn(map, line.key)) return this.fail(); // a duplicate key: yaml's error
      this.next++;
      if (line.value !== undefined) {
        if (this.deeper(indent)) return this.fail(); // a multi-line scalar, or an error: yaml's
        map[line.key] = line.value.value;
        continue;
      }
      const child = this.lines[this.next];
      if (child !== undefined && (child.indent > indent || (child.indent === indent && child.kind === "dash")))
        map[line.key] = this.block(child.indent, depth + 1);
      else map[line.key] = null;
    }
    return map;
  }

  private sequence(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    while (this.ok && this.next < this.lines.length) {
      const line = this.lines[this.next];
      if (line.indent < indent) break;
      if (line.indent > indent) return this.fail();
      // A mapping's next key after a sequence written at the mapping's own indentation (`key:` then `- item` lines).
      if (line.kind !== "dash") {
        if (line.kind === "entry") break;
        return this.fail();
      }
      this.next++;
      const child = this.lines[this.next];
      items.push(child !== undefined && child.indent > indent ? this.block(child.indent, depth + 1) : null);
    }
    return items;
  }

  /** Whether the next line is indented more than `indent` (it would continue the line before it). */
  private deeper(indent: number): boolean {
    const line = this.lines[this.next];
    return line !== undefined && line.indent > indent;
  }

  private fail(): never {
    this.ok = false;
    this.next = this.lines.length;
    return undefined as never;
  }
}
