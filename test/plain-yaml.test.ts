/**
 * The fast reader of plain YAML (lib/model/plain-yaml.ts) against the `yaml` package: on every YAML file of the
 * repository, on every text of the attack corpus, on hand-picked cases at the edges of what it reads, and on generated
 * and mutated texts. It must give `yaml`'s value exactly (types and key order too) or leave the text to `yaml`
 * (undefined), never another value, and never read a text `yaml` refuses.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { readPlainYaml } from "../lib/model/plain-yaml";
import { attackTexts } from "./support/attack-corpus";
import { ROOT } from "./support/data";

/** yaml's value for `text`, or REFUSED when yaml reports an error. */
const REFUSED = Symbol("yaml refuses the text");
function yamlValue(text: string): unknown {
  try {
    return parse(text);
  } catch {
    return REFUSED;
  }
}

/** [what the fast reader gave, what it must give]: yaml's value, or undefined where yaml refuses the text. */
function comparison(text: string): { fast: string; yaml: string } {
  const fast = readPlainYaml(text);
  const expected = yamlValue(text);
  // JSON keeps key order and tells 1 from "1"; both readers give plain JSON values.
  if (fast === undefined) return { fast: "left to yaml", yaml: "left to yaml" };
  return { fast: JSON.stringify(fast), yaml: expected === REFUSED ? "refused by yaml" : JSON.stringify(expected) };
}

const yamlFilesUnder = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.ya?ml$/.test(file) && !file.includes("node_modules"))
    .map((file) => join(dir, file));

describe("the fast reader of plain YAML", () => {
  const files = [
    "access.yaml",
    "trust.yaml",
    ".gitlab-ci.yml",
    ...yamlFilesUnder("examples"),
    ...yamlFilesUnder("test/fixtures"),
    ...yamlFilesUnder("templates"),
  ];

  it.each(files)("reads %s as yaml does, or leaves it to yaml", (file) => {
    const { fast, yaml } = comparison(readFileSync(join(ROOT, file), "utf8"));
    expect(fast).toBe(yaml);
  });

  // The repository's own files (access.yaml, trust.yaml, the examples) are checked above for the same result as yaml
  // only: an editor or a script may write them back in any valid YAML ([ a, b ], folded lines), which the fast
  // reader leaves to yaml. Its speed is asserted on the tests' own fixture, written as account:add writes.
  it("reads the frozen CWIQ fixture (plain YAML, as the project writes data files), so that loading such a file is fast", () => {
    const text = readFileSync(join(ROOT, "test/fixtures/cwiq-frozen.yaml"), "utf8");
    expect(readPlainYaml(text)).toEqual(parse(text));
  });

  it("reads every text of the attack corpus as yaml does, or leaves it to yaml", () => {
    const texts = attackTexts();
    expect(texts.length).toBeGreaterThanOrEqual(120);
    for (const { name, text } of texts) {
      const { fast, yaml } = comparison(text);
      expect([name, fast]).toEqual([name, yaml]);
    }
  });

  const READ: [string, unknown][] = [
    ["a: 1\nb: true\nc: ~\nd:\ne: null\nf: False\ng: NULL\n", { a: 1, b: true, c: null, d: null, e: null, f: false, g: null }],
    ["a: 15m\nb: 1h\nc: 12:30\nd: 9 lives\ne: 0\nf: 999999999999999\n", { a: "15m", b: "1h", c: "12:30", d: "9 lives", e: 0, f: 999999999999999 }],
    [
      "a: https://x.example/p?q=1#frag\nb: 'it''s'\nc: \"say # no comment\"\nd: x # a comment\ne: a#b\n",
      { a: "https://x.example/p?q=1#frag", b: "it's", c: "say # no comment", d: "x", e: "a#b" },
    ],
    ["list:\n- a\n- b\nnext: 1\n", { list: ["a", "b"], next: 1 }],
    [
      "roles:\n  - name: a\n    reads:\n      - path: p\n        keys: [k, l]\n  -   name: b\n      reads: []\n",
      {
        roles: [
          { name: "a", reads: [{ path: "p", keys: ["k", "l"] }] },
          { name: "b", reads: [] },
        ],
      },
    ],
    ["a: [docker:read-write, https://g.example, 'q', \"d\"] # c\n", { a: ["docker:read-write", "https://g.example", "q", "d"] }],
    ["a:\n  b\nc:\n  - - x\n    - y\n  -\n  - # nothing\n", { a: "b", c: [["x", "y"], null, null] }],
    ["# only\n\nkey: value   \n\n# comments\n", { key: "value" }],
    ["a: café (prose, with ü)\n", { a: "café (prose, with ü)" }],
    ["constructor: 1\nprototype: 2\ntoString: x\n", { constructor: 1, prototype: 2, toString: "x" }],
    [
      "a: Alpha\nb: Zulu\nc: zebra\nd: /path\ne: (note)\nf: Null\ng: True\nh: TRUE\ni: FALSE\n",
      { a: "Alpha", b: "Zulu", c: "zebra", d: "/path", e: "(note)", f: null, g: true, h: true, i: false },
    ],
    ['a: say "hi"\nb: [x", it\'s]\nc: [ ]\nd: "q"   # c\n', { a: 'say "hi"', b: ['x"', "it's"], c: [], d: "q" }],
    ["  a: 1\n  b: 2\n", { a: 1, b: 2 }],
    ["a:\n - true\n - word\n", { a: [true, "word"] }],
    ["a: x#\nb: 'it''s' # c\n", { a: "x#", b: "it's" }],
    ["a: x\u00a0y\u2027z\ufefex\n", { a: "x\u00a0y\u2027z\ufefex" }], // next to the characters left to yaml
    [
      `a:\n${Array.from({ length: 100 }, (_, i) => `${" ".repeat(i + 1)}k:\n`).join("")}`,
      parse(`a:\n${Array.from({ length: 100 }, (_, i) => `${" ".repeat(i + 1)}k:\n`).join("")}`),
    ],
  ];
  it.each(READ)("reads %j itself, as yaml does", (text, value) => {
    expect(readPlainYaml(text)).toStrictEqual(value);
    expect(readPlainYaml(text)).toStrictEqual(parse(text));
  });

  const LEFT_TO_YAML = [
    "a: 1\na: 2\n", // a duplicate key: yaml's error
    "a: &x 1\nb: *x\n", // anchors and aliases
    "a: !!binary aGk=\n", // tags
    "a: |\n  text\n", // block scalars
    "a: this\n  continues\n", // a multi-line plain scalar
    "a: {b: 1}\n", // flow mappings
    "a: [[1]]\n", // nested flow
    "a: [x: 1]\n", // a key in a flow sequence
    "a: [1, ]\n", // a trailing comma
    "a: [x #c]\n", // a comment inside a flow sequence
    'a: ["x" y]\n', // more after a quoted item
    "a: [x]]\n",
    "  a: 1\nb: 2\n", // a key less indented than the first
    'a: "tab\\tescape"\n', // escapes
    "a: -1\nb: 1.5\nc: 0x1F\nd: 1e3\ne: .inf\nf: 007\ng: 1_000\n", // numbers with a sign, fraction, base or exponent
    "a: 1000000000000000\n", // 10^15 and beyond
    `a:\n${Array.from({ length: 102 }, (_, i) => `${" ".repeat(i + 1)}k:\n`).join("")}`, // nested more than 100 deep
    "a: x\u000by\n", // control characters
    "a: x\u001fy\n",
    "a: x\u007fy\n", // DEL and the C1 controls
    "a: x\u0085y\n",
    "a: x\u009fy\n",
    "a: x\u2028y\n", // line and paragraph separators
    "a: x\u2029y\n",
    "a: x\ufffdy\n", // from U+FEFF up
    "a: x\ufeffy\n",
    "a: x\ud800y\n", // surrogates, even alone
    "a: x\udfffy\n",
    `a:\n${"- ".repeat(102)}x\n`, // sequences nested more than 100 deep
    "a: x\u{1F600}\n", // beyond the Basic Multilingual Plane
    "__proto__: 1\n", // a key that is an object's prototype
    "true: 1\n", // a key that is not a string in YAML
    '"a": 1\n', // quoted keys
    "? a\n: 1\n", // explicit keys
    "---\na: 1\n", // document markers
    "a: 1\r\nb: 2\r\n", // carriage returns
    "a:\tb\n", // tabs
    "\ufeffa: 1\n", // a byte order mark
    "a: écrit\n", // a scalar that starts with a letter beyond ASCII
    "- a\n", // a document that is not a mapping
    "a: b: c\n", // a value with ": "
    "a:b\n", // not a key
    "a:\n  - x\n  b: 1\n", // a key after sequence items at their indentation
    "a: 1\n b: 2\n", // a deeper line after a value
    "a: 'unclosed\n",
    "a: [unclosed\n",
    "",
  ];
  it.each(LEFT_TO_YAML)("leaves %j to yaml", (text) => {
    expect(readPlainYaml(text)).toBeUndefined();
  });

  // Generated texts: data of every shape, written in the styles the reader takes and in many it leaves to yaml, with
  // scalars from an alphabet of YAML's special characters; then mutated a character or a line at a time.
  const trickyText = fc.string({ unit: fc.constantFrom(..."aZ09 :#-./,[]{}'\"&*!|>%@`~?\\_+=()eExXoO\té"), maxLength: 8 });
  const wordText = fc.stringMatching(/^[a-z0-9][a-z0-9 :/#.'"-]{0,10}$/);
  const scalar = fc.oneof(
    { arbitrary: wordText, weight: 4 },
    { arbitrary: trickyText, weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 10 ** 6 }), weight: 1 },
    { arbitrary: fc.constantFrom("true", "False", "null", "~", "", "15m", "1.5", "0x1F", "-3", ".inf", "docker:read", "https://g.example"), weight: 1 },
  );
  const key = fc.oneof(
    { arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_-]{0,5}$/), weight: 8 },
    { arbitrary: fc.constantFrom("__proto__", "true", "1", "a b", "k:"), weight: 1 },
  );
  const data: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), tie("seq")),
    map: fc.array(fc.tuple(key, tie("node")), { maxLength: 4 }),
    seq: fc.array(tie("node"), { maxLength: 4 }).map((items) => ({ seq: items })),
  })).node;
  const style = fc.record({
    indent: fc.integer({ min: 1, max: 4 }),
    sameIndentSeq: fc.boolean(),
    flow: fc.boolean(),
    quote: fc.constantFrom("plain", "single", "double"),
    comment: fc.boolean(),
  });

  type Style = { indent: number; sameIndentSeq: boolean; flow: boolean; quote: string; comment: boolean };
  function writeScalar(value: unknown, s: Style): string {
    const text = String(value);
    if (typeof value === "number" || s.quote === "plain") return text;
    return s.quote === "single" ? `'${text.replaceAll("'", "''")}'` : `"${text}"`;
  }
  /** Lines of `value` as block YAML at `indent` spaces (the node under a key or a dash). */
  function write(value: unknown, s: Style, indent: number): string[] {
    const pad = " ".repeat(indent);
    const tail = s.comment ? " # c" : "";
    if (Array.isArray(value)) {
      return value.flatMap(([k, v]) => {
        if (Array.isArray(v) || (typeof v === "object" && v !== null)) {
          const child = typeof v === "object" && v !== null && "seq" in v && s.sameIndentSeq ? indent : indent + s.indent;
          return [`${pad}${k}:${tail}`, ...write(v, s, child)];
        }
        return [`${pad}${k}: ${writeScalar(v, s)}${tail}`];
      });
    }
    if (typeof value === "object" && value !== null && "seq" in value) {
      const items = (value as { seq: unknown[] }).seq;
      if (s.flow && items.every((i) => typeof i !== "object")) return [`${pad}- [${items.map((i) => writeScalar(i, s)).join(", ")}]`];
      return items.flatMap((item) => {
        if (typeof item === "object" && item !== null) {
          const lines = write(item, s, indent + 2);
          return lines.length > 0 ? [`${pad}- ${lines[0].trimStart()}`, ...lines.slice(1)] : [`${pad}-`];
        }
        return [`${pad}- ${writeScalar(item, s)}`];
      });
    }
    return [`${pad}${writeScalar(value, s)}`];
  }
  const texts = fc.tuple(fc.array(fc.tuple(key, data), { minLength: 1, maxLength: 4 }), style).map(([entries, s]) => `${write(entries, s, 0).join("\n")}\n`);

  it("reads generated texts as yaml does, or leaves them to yaml (and reads many of them itself)", () => {
    let read = 0;
    fc.assert(
      fc.property(texts, (text) => {
        const { fast, yaml } = comparison(text);
        expect({ text, fast }).toEqual({ text, fast: yaml });
        if (fast !== "left to yaml") read++;
      }),
      { numRuns: 400 },
    );
    // Not a comparison of nothing: a good part of the generated texts is plain YAML the reader takes.
    expect(read).toBeGreaterThan(50);
  });

  it("reads mutated texts (a character inserted or deleted, a line repeated or moved in or out) as yaml does, or leaves them to yaml", () => {
    let read = 0;
    const mutation = fc.tuple(
      fc.nat(),
      fc.constantFrom(..."aZ9 :#-.,[]{}'\"&*!|>%@`~?\\\n\t"),
      fc.constantFrom("insert", "delete", "repeat line", "indent line", "dedent line"),
    );
    fc.assert(
      fc.property(texts, mutation, (text, [at, char, kind]) => {
        const lines = text.split("\n");
        const line = at % lines.length;
        let mutated: string;
        if (kind === "insert") mutated = text.slice(0, at % text.length) + char + text.slice(at % text.length);
        else if (kind === "delete") mutated = text.slice(0, at % text.length) + text.slice((at % text.length) + 1);
        else if (kind === "repeat line") mutated = [...lines.slice(0, line + 1), ...lines.slice(line)].join("\n");
        else if (kind === "indent line") mutated = lines.map((l, i) => (i === line ? ` ${l}` : l)).join("\n");
        else mutated = lines.map((l, i) => (i === line ? l.replace(/^ /, "") : l)).join("\n");
        const { fast, yaml } = comparison(mutated);
        expect({ mutated, fast }).toEqual({ mutated, fast: yaml });
        if (fast !== "left to yaml") read++;
      }),
      { numRuns: 600 },
    );
    expect(read).toBeGreaterThan(40);
  });
});
