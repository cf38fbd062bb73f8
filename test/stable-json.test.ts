/**
 * cdk.tf.json's and manifest.json's writer (lib/synth/stable-json.ts) gives exactly what cdktf writes them with:
 * json-stable-stringify, `{ space: 2 }`, the copy cdktf itself loads.
 */
import fc from "fast-check";
import { stableJson, writeStableJson } from "../lib/synth/stable-json";

const cdktfStringify = require("cdktf/node_modules/json-stable-stringify") as (value: unknown, options: { space: number }) => string | undefined;
const cdktfWrites = (value: unknown) => cdktfStringify(value, { space: 2 });

function written(value: unknown): { text: string; chunks: number } {
  const chunks: string[] = [];
  writeStableJson(value, (chunk) => chunks.push(chunk));
  return { text: chunks.join(""), chunks: chunks.length };
}

/** Deep enough for the part written by JSON.stringify (from the fourth level on) and the part written directly. */
const nested = (leaf: unknown) => ({ resource: { vault_policy: { p: { body: leaf } } }, top: leaf });

describe("writeStableJson", () => {
  it("sorts keys at every depth, above and below the depth where JSON.stringify takes over", () => {
    const value = {
      resource: { vault_policy: { b: { z: 1, a: { y: [2, { d: 1, c: 0 }], x: null } }, a: { k: "v" } } },
      "//": { metadata: { version: "0.21.0" } },
    };
    expect(written(value).text).toBe(cdktfWrites(value));
  });

  it("opens and closes an empty object or array on two lines, at every depth, and not inside a string", () => {
    const leaf = {
      o: {},
      a: [],
      list: [{}, [], [[]], { x: [] }, "{}", "[]"],
      text: "ends in {} and []",
      key: { "{}": "[]", '": {}': {}, "[]": [] },
      onlyUndefined: { gone: undefined },
    };
    const text = written(nested(leaf)).text;
    expect(text).toBe(cdktfWrites(nested(leaf)));
    expect(text).toContain('"o": {\n          }');
    expect(text).toContain('"text": "ends in {} and []"');
    expect(written({}).text).toBe("{\n}");
    expect(written([]).text).toBe("[\n]");
  });

  it("follows json-stable-stringify's rules: undefined and functions left out of objects and null in arrays, toJSON(), escapes", () => {
    const leaf = {
      gone: undefined,
      fn: () => 1,
      symbol: Symbol("s"),
      list: [undefined, () => 1, Symbol("in a list"), Number.NaN, Number.POSITIVE_INFINITY, -0, 1.5e300, 'line\nbreak \u2028 "quoted" \\ é 😀'],
      date: new Date(0),
      custom: { toJSON: () => ({ b: 1, a: [] }) },
    };
    expect(written(nested(leaf)).text).toBe(cdktfWrites(nested(leaf)));
    expect(written("top").text).toBe('"top"');
    expect(() => written(undefined)).toThrow("writeStableJson: undefined has no JSON text");
  });

  it.each([["9"], ["0"], ["4294967294"]])("sorts the integer-like key %s as a string, below the depth where JSON.stringify takes over", (index) => {
    const value = nested({ b: 1, [index]: 1, a: 1 });
    expect(written(value).text).toBe(cdktfWrites(value));
  });

  it("sorts integer-like keys as strings, as cdktf does, not first as a JavaScript object lists them", () => {
    const leaf = { b: 1, "10": 1, "9": 1, "01": 1, "-1": 1, "4294967295": 1, ["__proto__"]: { z: 1 }, a: { "2": 0, "1": 0 } };
    const value = nested(Object.fromEntries(Object.entries(leaf)));
    const text = written(value).text;
    expect(text).toBe(cdktfWrites(value));
    expect(text.indexOf('"10"')).toBeLessThan(text.indexOf('"9"'));
  });

  it("hands the text out in pieces of about a megabyte, which together are the whole text", () => {
    const value = {
      resource: {
        vault_policy: Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`policy-${i}`, { name: `policy-${i}`, policy: "x".repeat(100) }])),
      },
    };
    const { text, chunks } = written(value);
    expect(text).toBe(cdktfWrites(value));
    expect(chunks).toBeGreaterThan(1);
    expect(chunks).toBeLessThanOrEqual(Math.ceil(text.length / 2 ** 20) + 1);
  });

  it("stableJson gives the same text whole", () => {
    const value = nested({ a: [1, {}], b: "x" });
    expect(stableJson(value)).toBe(cdktfWrites(value));
  });

  it("equals json-stable-stringify on generated values, at every depth", () => {
    const key = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.constantFrom("0", "1", "2", "9", "10", "99", "01", "-1", "__proto__", "constructor", "//", "{}", '": {}'),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.oneof(fc.string(), fc.constantFrom("{}", "[]", "a: {}"), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(key, tie("value"), { maxKeys: 5, noNullPrototype: true }),
      ),
    }));
    fc.assert(
      fc.property(value, (v) => {
        fc.pre(v !== undefined);
        return written(v).text === cdktfWrites(v) && written(nested(v)).text === cdktfWrites(nested(v));
      }),
      { numRuns: 500 },
    );
  });
});
