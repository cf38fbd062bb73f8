/**
 * JSON as cdktf 0.21 writes cdk.tf.json and manifest.json: `stringify(value, { space: 2 })` of json-stable-stringify
 * 1.3 (node_modules/cdktf/lib/synthesize/synthesizer.js line 78, lib/manifest.js line 49). Every object's keys sorted
 * as strings (integer-like keys too, unlike a JavaScript object's own order), two spaces, undefined left out of objects
 * and null in arrays, toJSON() honoured, and, unlike JSON.stringify, an empty object or array opened and closed on two
 * lines. test/stable-json.test.ts compares it with json-stable-stringify itself.
 *
 * writeStableJson hands the text out in pieces of about a megabyte instead of as one string: at 30000 accounts
 * cdk.tf.json is 80 MB, and a sorted copy of the JSON plus the whole text at once were about 230 MB of the synth's peak.
 */
const CHUNK = 1 << 20;

export function writeStableJson(value: unknown, write: (chunk: string) => void): void {
  const parts: string[] = [];
  let size = 0;
  const push = (text: string) => {
    parts.push(text);
    size += text.length;
    if (size >= CHUNK) flush();
  };
  const flush = () => {
    if (parts.length === 0) return;
    write(parts.join(""));
    parts.length = 0;
    size = 0;
  };

  /** `node` (toJSON() already applied) at `indent`: it has a text (writesNothing was checked). */
  const emit = (node: unknown, indent: string): void => {
    if (node === null || typeof node !== "object") {
      push(JSON.stringify(node) ?? "null"); // a function or a symbol: null, as in an array
      return;
    }
    if (indent.length >= NATIVE_INDENT) {
      const text = nativeText(node, indent);
      if (text !== undefined) {
        push(text);
        return;
      }
    }
    const inner = `${indent}  `;
    if (Array.isArray(node)) {
      push("[");
      for (let i = 0; i < node.length; i++) {
        push(i === 0 ? `\n${inner}` : `,\n${inner}`);
        emit(jsonOf(node[i]), inner);
      }
      push(`\n${indent}]`);
      return;
    }
    push("{");
    let first = true;
    for (const key of Object.keys(node).sort()) {
      const field = jsonOf((node as Record<string, unknown>)[key]);
      if (writesNothing(field)) continue;
      push(`${first ? "" : ","}\n${inner}${JSON.stringify(key)}: `);
      first = false;
      emit(field, inner);
    }
    push(`\n${indent}}`);
  };

  const top = jsonOf(value);
  if (writesNothing(top)) throw new TypeError(`writeStableJson: ${typeof top} has no JSON text`);
  emit(top, "");
  flush();
}

/** The whole text at once (manifest.json: small). */
export function stableJson(value: unknown): string {
  const parts: string[] = [];
  writeStableJson(value, (chunk) => parts.push(chunk));
  return parts.join("");
}

/** json-stable-stringify calls a value's toJSON() first, as JSON.stringify does. */
const jsonOf = (value: unknown): unknown =>
  value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function"
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;

/** What has no JSON text: left out of an object, null in an array. */
const writesNothing = (value: unknown): boolean => value === undefined || typeof value === "function" || typeof value === "symbol";

/**
 * From this depth on (three levels: `resource`, its type, one resource), a value is written by JSON.stringify of a
 * sorted copy, which is several times faster than the loop above, then put into the same shape: empty objects and arrays
 * opened and closed on two lines, and every line indented to its place. JSON.stringify's text has no line break other
 * than its own (a string's is escaped), and a line of it that ends in `{}` or `[]` (and a comma) is an empty object or
 * array: a string ends in `"`, a key is followed by its value, and nothing else holds a bracket.
 */
const NATIVE_INDENT = 6;
const EMPTY_AT_LINE_END = /^( *)(.*)(\{\}|\[\])(,?)$/gm;

/** `node` as emit would write it, or undefined when JSON.stringify cannot give the same text (see sortedCopy). */
function nativeText(node: object, indent: string): string | undefined {
  const copy = sortedCopy(node);
  if (copy === CANNOT) return undefined;
  let text = JSON.stringify(copy, null, 2);
  if (text.includes("{}") || text.includes("[]")) {
    text = text.replace(
      EMPTY_AT_LINE_END,
      (_line, lead: string, before: string, empty: string, comma: string) => `${lead}${before}${empty[0]}\n${lead}${empty[1]}${comma}`,
    );
  }
  return text.replaceAll("\n", `\n${indent}`);
}

const CANNOT = Symbol("JSON.stringify of a sorted copy would differ");

/**
 * A copy whose objects list their keys in sorted order, or CANNOT where JSON.stringify would not write it as
 * json-stable-stringify does: an integer-like key (a JavaScript object always lists those first, in numeric order),
 * `__proto__` (assigning it sets the copy's prototype), or a toJSON() method.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return CANNOT;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const copy = sortedCopy(item);
      if (copy === CANNOT) return CANNOT;
      items.push(copy);
    }
    return items;
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (key === "__proto__" || isIndex(key)) return CANNOT;
    const copy = sortedCopy((value as Record<string, unknown>)[key]);
    if (copy === CANNOT) return CANNOT;
    sorted[key] = copy;
  }
  return sorted;
}

/** An array index (ECMAScript's integer-indexed keys, listed first by every object): 0 to 2^32 - 2, written canonically. */
function isIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;
}
