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
  try {
    if (hasUnreadCharacter(text)) return undefined;
    const lines = logicalLines(text);
    if (lines.length === 0 || lines[0].kind !== "entry") return undefined;
    const reader = new Reader(lines);
    const value = reader.block(0);
    return reader.next === lines.length ? (value as Record<string, unknown>) : undefined;
  } catch (e) {
    if (e === NOT_PLAIN) return undefined;
    throw e;
  }
}

/** Thrown (and caught by readPlainYaml) at the first thing that is not plain YAML. */
const NOT_PLAIN = Symbol("not plain YAML");
const notPlain = (): never => {
  throw NOT_PLAIN;
};

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

/** The file as logical lines, without blank and comment lines. */
function logicalLines(text: string): Line[] {
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    let rest = raw.slice(indent);
    // A dash and what follows it on the same line.
    while (rest === "-" || rest.startsWith("- ")) {
      lines.push({ kind: "dash", indent });
      let after = 1;
      while (rest.charCodeAt(after) === 32) after++;
      indent += after;
      rest = rest.slice(after);
    }
    if (rest !== "" && !rest.startsWith("#")) lines.push(contentLine(rest, indent));
  }
  return lines;
}

/** A key name that means itself as a string, and never a null, a boolean or a number in YAML. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `key: value`, `key:` or a lone value, at `indent`. */
function contentLine(rest: string, indent: number): Line {
  const colon = /:(?: |$)/.exec(rest);
  const key = colon ? rest.slice(0, colon.index) : "";
  if (!PLAIN_KEY.test(key)) return { kind: "scalar", indent, value: inlineValue(rest) };
  // `__proto__` would set the object's prototype here; yaml makes it a key like any other.
  if (key === "__proto__" || scalarKeyword(key) !== undefined) return notPlain();
  const valueText = rest.slice(key.length + 1).trimStart();
  return { kind: "entry", indent, key, value: valueText === "" || valueText.startsWith("#") ? undefined : inlineValue(valueText) };
}

/** A one-line flow sequence and what follows it; a quoted scalar and what follows it. */
const FLOW_SEQUENCE = /^\[([^\]]*)\](.*)$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"(.*)$/;
const SINGLE_QUOTED = /^'((?:[^']|'')*)'(.*)$/;
/** What may follow a value on its line: spaces, and a comment after at least one. */
const LINE_END = /^(?: +#.*| *)$/;

/** A value on the rest of a line, with an optional comment after it: a quoted or plain scalar, or a flow sequence. */
function inlineValue(text: string): Value {
  const flow = FLOW_SEQUENCE.exec(text);
  if (text.startsWith("[")) return flow && LINE_END.test(flow[2]) ? { value: flowItems(flow[1]) } : notPlain();
  const quoted = quotedScalar(text);
  if (quoted !== undefined) return LINE_END.test(quoted.after) ? { value: quoted.value } : notPlain();
  const plain = text.split(" #", 1)[0].trimEnd();
  if (plain.includes(": ") || plain.endsWith(":")) return notPlain();
  return { value: plainScalar(plain) };
}

/** The items of a one-line flow sequence of scalars (the text between its brackets). */
function flowItems(inner: string): unknown[] {
  if (inner.trim() === "") return [];
  if (/[[{}#]/.test(inner)) return notPlain();
  return inner.split(",").map((part) => {
    const text = part.trim();
    const quoted = quotedScalar(text);
    if (quoted !== undefined) return quoted.after === "" ? quoted.value : notPlain();
    // A colon only inside a word (`docker:read`, `https://`): before a space, a comma or the end it makes a key.
    if (/:(?![A-Za-z0-9/])/.test(text)) return notPlain();
    return plainScalar(text);
  });
}

/** A quoted scalar at the start of `text` (no escapes in double quotes; '' in single quotes), and what follows it. */
function quotedScalar(text: string): { value: string; after: string } | undefined {
  const double = DOUBLE_QUOTED.exec(text);
  if (double) return { value: double[1], after: double[2] };
  const single = SINGLE_QUOTED.exec(text);
  if (single) return { value: single[1].replaceAll("''", "'"), after: single[2] };
  return undefined; // an unclosed quote, if it is one, is then refused as a plain scalar (plainScalar)
}

/** null, true or false for YAML's core-schema words (yaml/dist/schema: null.js, core/bool.js), else undefined. */
function scalarKeyword(text: string): { value: null | boolean } | undefined {
  if (text === "~" || text === "null" || text === "Null" || text === "NULL") return { value: null };
  if (text === "true" || text === "True" || text === "TRUE") return { value: true };
  if (text === "false" || text === "False" || text === "FALSE") return { value: false };
  return undefined;
}

/** A decimal integer JavaScript holds exactly, without sign or leading zero. */
const SMALL_INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
/** What might be a number in some base, with a fraction or an exponent (core/int.js, core/float.js): left to yaml. */
const NUMBER_LIKE = /^[0-9][0-9a-fA-FxXoO._eE+-]*$/;
/** The start of a plain scalar that is a string whatever follows: a letter, or `/` and `(` (paths and prose). */
const STRING_START = /^[A-Za-z/(]/;

/** The value of a plain scalar (not empty), typed as `yaml`'s core schema types it. */
function plainScalar(text: string): unknown {
  const keyword = scalarKeyword(text);
  if (keyword !== undefined) return keyword.value;
  if (SMALL_INTEGER.test(text)) return Number(text);
  if (NUMBER_LIKE.test(text)) return notPlain();
  // A digit starts a string only when the rest is no number: `15m`, `9 lives`.
  if (STRING_START.test(text) || /^[0-9]/.test(text)) return text;
  return notPlain();
}

/** Builds the value of the logical lines, by indentation; throws NOT_PLAIN at anything that is not plain YAML. */
class Reader {
  next = 0;

  constructor(private readonly lines: readonly Line[]) {}

  /** The node whose first line is the next one: a mapping, a sequence, or a lone scalar (under a key or a dash). */
  block(depth: number): unknown {
    if (depth > 100) return notPlain();
    const line = this.lines[this.next];
    if (line.kind === "dash") return this.sequence(line.indent, depth);
    if (line.kind === "entry") return this.mapping(line.indent, depth);
    this.next++;
    return line.value.value;
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (let line = this.lines[this.next]; line !== undefined && line.indent >= indent; line = this.lines[this.next]) {
      // A deeper line continues a scalar, or is an error: both yaml's. So is a key twice.
      if (line.indent > indent || line.kind !== "entry" || Object.hasOwn(map, line.key)) return notPlain();
      this.next++;
      const child = this.lines[this.next];
      if (line.value !== undefined) map[line.key] = line.value.value;
      else if (child !== undefined && (child.indent > indent || (child.indent === indent && child.kind === "dash"))) map[line.key] = this.block(depth + 1);
      else map[line.key] = null;
    }
    return map;
  }

  private sequence(indent: number, depth: number): unknown[] {
    const items: unknown[] = [];
    // It ends at a line that is not a dash at its indentation (a mapping's next key, when written at the mapping's own).
    for (let line = this.lines[this.next]; line !== undefined && line.indent >= indent && line.kind === "dash"; line = this.lines[this.next]) {
      if (line.indent > indent) return notPlain();
      this.next++;
      const child = this.lines[this.next];
      items.push(child !== undefined && child.indent > indent ? this.block(depth + 1) : null);
    }
    return items;
  }
}
