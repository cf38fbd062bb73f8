/**
 * Text that hides (issue 22, part 5): free text refuses every character that shows as nothing or as a blank, or that
 * reorders the text around it; a minimum counts visible letters and digits only; TEXT-002's high-entropy tokens; and
 * the loader's credential scan of the data file's comments and of the whole trust file, at the line and column of the
 * hit. Fake credentials are put together at run time (test/credentials.test.ts does the same).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { parse } from "yaml";
import { ConfigError, loadTrustFile, parseDataFile } from "../lib/model/config";
import { codePoint, credentialsInText, freeTextProblem, highEntropyToken, oneLine, shannonEntropy, visibleLetterCount } from "../lib/model/text";
import { DEFAULT_FILE, DEFAULT_TEXT, ROOT } from "./support/data";

/** Characters free text must refuse, by name: the list and the blank look-alikes of the brief. */
const HIDDEN: [string, string][] = [
  ["zero-width space", "\u200b"],
  ["zero-width non-joiner", "\u200c"],
  ["zero-width joiner", "\u200d"],
  ["word joiner", "\u2060"],
  ["soft hyphen", "\u00ad"],
  ["right-to-left override", "\u202e"],
  ["left-to-right embedding", "\u202a"],
  ["right-to-left isolate", "\u2067"],
  ["byte order mark", "\ufeff"],
  ["Mongolian vowel separator", "\u180e"],
  ["Mongolian free variation selector", "\u180b"],
  ["Braille pattern blank", "\u2800"],
  ["Hangul filler", "\u3164"],
  ["Hangul choseong filler", "\u115f"],
  ["Hangul jungseong filler", "\u1160"],
  ["halfwidth Hangul filler", "\uffa0"],
  ["Khmer inherent vowel", "\u17b4"],
  ["combining grapheme joiner", "\u034f"],
  ["variation selector 16", "\ufe0f"],
  ["variation selector 17", "\u{e0100}"],
  ["tag latin small letter a", "\u{e0061}"],
  ["language tag", "\u{e0001}"],
  ["cancel tag", "\u{e007f}"],
  ["no-break space", "\u00a0"],
  ["en quad", "\u2000"],
  ["hair space", "\u200a"],
  ["narrow no-break space", "\u202f"],
  ["medium mathematical space", "\u205f"],
  ["ideographic space", "\u3000"],
  ["line separator", "\u2028"],
  ["paragraph separator", "\u2029"],
  ["private use", "\ue000"],
  ["supplementary private use", "\u{f0000}"],
  ["lone surrogate", "\ud800"],
  ["unassigned", "\u0378"],
  ["C1 control", "\u0085"],
];

describe("TEXT-001's hidden characters", () => {
  it.each(HIDDEN)("refuses a %s in visible text, naming its code point and position", (_name, char) => {
    const problem = freeTextProblem(`pods${char} pulling images`);
    if (char === "\u2028" || char === "\u2029" || char === "\u0085") expect(problem).toMatch(/^is not one line of printable text/);
    else
      expect(problem).toBe(
        `holds ${codePoint(char)} at character 5, an invisible, format, private-use or blank look-alike character: only visible characters and the plain space (U+0020) are allowed, so that nothing is hidden or reordered in ACCESS.md and the merge-request note`,
      );
  });

  it.each(HIDDEN)("refuses a text of %s only (nothing visible)", (_name, char) => {
    expect(freeTextProblem(char.repeat(20))).toBeDefined();
    expect(visibleLetterCount(char.repeat(20))).toBe(0);
  });

  it("takes visible text in any script, punctuation, symbols and plain spaces", () => {
    for (const text of [
      "Kubernetes pods pulling images from Nexus",
      "Zürich team, café builds",
      "東京のビルド",
      "проверка сборки",
      "e2e-test job (global setup auth)",
      "docker:read-write, see INFRA-12 → done ✓",
    ]) {
      expect(freeTextProblem(text)).toBeUndefined();
    }
  });

  it("refuses a text of plain spaces and punctuation only: nothing says what it is for", () => {
    expect(freeTextProblem(" - . ")).toBe("has no visible letter or digit: write what it is for");
  });

  it("refuses any hidden character anywhere in visible text, naming the first (property)", () => {
    const visible = fc
      .string({ unit: fc.constantFrom(..."abcXYZ019 -.,:/()éж東".split("")), minLength: 1, maxLength: 40 })
      .filter((t) => /[a-zA-Z0-9éж東]/.test(t));
    const hidden = fc.constantFrom(...HIDDEN.map(([, c]) => c).filter((c) => !/[\u2028\u2029\u0085]/.test(c)));
    fc.assert(
      fc.property(visible, fc.array(fc.tuple(fc.nat(), hidden), { minLength: 1, maxLength: 5 }), (text, inserts) => {
        const chars = [...text];
        for (const [at, c] of inserts) chars.splice(at % (chars.length + 1), 0, c);
        const first = chars.find((c) => HIDDEN.some(([, h]) => h === c))!;
        expect(freeTextProblem(chars.join(""))).toMatch(
          new RegExp(`^holds ${codePoint(first).replace("+", "\\+")} at character ${chars.indexOf(first) + 1}, `),
        );
        // Hidden characters add nothing to the count a minimum reads.
        expect(visibleLetterCount(chars.join(""))).toBe(visibleLetterCount(text));
      }),
    );
  });

  it("counts letters and digits of every script, never spaces, punctuation or blank look-alike letters", () => {
    expect(visibleLetterCount("ab 12, éж東!")).toBe(7);
    expect(visibleLetterCount("\u3164\u115f\u1160\uffa0")).toBe(0); // Hangul fillers are letters to Unicode (Lo)
  });

  it("shows hidden characters as escapes in generated text (ACCESS.md, the diagram, messages)", () => {
    expect(oneLine("a\u202eb\u200bc\u{e0041}d\u00a0e\nf")).toBe("a\\u202eb\\u200bc\\u{e0041}d\\u00a0e\\u000af");
    expect(oneLine("café 東京 → ✓")).toBe("café 東京 → ✓");
  });
});

describe("explanations count visible letters and digits (a waiver's reason, a justification)", () => {
  const withReason = (reason: string) =>
    DEFAULT_TEXT.replace(
      "roles:\n  - name: nexus-ci\n",
      `roles:\n  - name: nexus-ci\n    suppress:\n      - rule: POL-007\n        reason: ${JSON.stringify(reason)}\n`,
    );
  const problems = (text: string): string[] => {
    try {
      parseDataFile(text, DEFAULT_FILE);
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it.each([
    ["20 zero-width spaces", "\u200b".repeat(20), 0, "\\u200b".repeat(20)],
    ["20 Braille blanks", "\u2800".repeat(20), 0, "\\u2800".repeat(20)],
    ["20 soft hyphens", "\u00ad".repeat(20), 0, "\\u00ad".repeat(20)],
    ["19 letters padded with no-break spaces", `${"a".repeat(19)}${"\u00a0".repeat(5)}`, 19, `${"a".repeat(19)}${"\\u00a0".repeat(5)}`],
    ["a word and 20 dots", `ok${".".repeat(20)}`, 2, `ok${".".repeat(20)}`],
  ])("refuses a reason of %s at load, showing it escaped", (_name, reason, count, shown) => {
    expect(problems(withReason(reason))).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^\\d+:\\d+: roles\\[0\\]\\.suppress\\[0\\]\\.reason: "${shown.replace(/[\\.]/g, "\\$&")}": must explain in at least 20 characters why the rule does not apply \\(only visible letters and digits count: it has ${count}\\)$`,
        ),
      ),
    );
  });

  it("takes a reason of exactly 20 letters and digits, whatever the spaces and punctuation around them", () => {
    const text = withReason("INFRA-42: abcd efgh ijkl mno");
    expect(problems(text).filter((p) => p.includes("reason"))).toEqual([]);
  });
});

describe("TEXT-002's high-entropy tokens", () => {
  const cat = (...parts: string[]) => parts.join("");

  it.each([
    ["16 random characters", cat("q7RkX2mZ", "p9LwT4vB"), 0],
    ["a token after an account name", cat("svc-orchestrator ", "q7RkX2mZ", "p9LwT4vB"), 17],
    ["base64url with _ and -", cat("aZ3_kP9-", "mQ2xW7rT"), 0],
    ["a long one", cat("dGhpc2lz", "YXNlY3Jl", "dDEyMwXyZ"), 0],
  ])("finds %s", (_name, text, at) => {
    expect(highEntropyToken(text)).toBe(at);
  });

  it.each([
    ["15 random characters (one short)", cat("q7RkX2mZ", "p9LwT4v")],
    ["no upper case", cat("q7rkx2mz", "p9lwt4vb")],
    ["no digit", cat("qGRkXFmZ", "pALwTKvB")],
    ["low entropy", "Aa1Aa1Aa1Aa1Aa1Aa1"],
    ["a mixed-case GitLab path with a digit (/ ends a run)", "platform/SubProject2/Orchestrator"],
    ["account names", "svc-orchestrator svc-executor-2024"],
    ["URLs", "https://gitlab.shared.cwiq.io/orchestrator/Orchestrator-API/-/jobs/123456"],
    ["KV paths", "sonarqube/svc-orchestrator reportportal/svc-orchestrator"],
    ["Nexus permissions", "docker:read-write rpm:read-write raw:read-write pypi:read-write"],
    ["a ticket and a date", "INFRA-2024-0042 2026-12-07T20:00:00Z"],
  ])("leaves alone %s", (_name, text) => {
    expect(highEntropyToken(text)).toBeUndefined();
  });

  it("computes Shannon entropy in bits per character", () => {
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
    expect(shannonEntropy("0123456789abcdef")).toBe(4);
  });

  it("finds a random 16-to-40-character token mixing cases and digits in prose (property)", () => {
    const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".split("");
    // Distinct characters: a random token of that length has more than 3.5 bits per character.
    const token = fc
      .shuffledSubarray(alnum, { minLength: 16, maxLength: 40 })
      .filter((t) => t.some((c) => /[A-Z]/.test(c)) && t.some((c) => /[a-z]/.test(c)) && t.some((c) => /[0-9]/.test(c)))
      .map((t) => t.join(""));
    fc.assert(
      fc.property(token, fc.constantFrom("builds with ", "svc-executor ", ""), (token, before) =>
        expect(highEntropyToken(`${before}${token} here`)).toBe(before.length),
      ),
    );
  });

  it("passes every string of the examples and the test fixtures' data files", () => {
    const strings = (node: unknown): string[] =>
      typeof node === "string"
        ? [node]
        : Array.isArray(node)
          ? node.flatMap(strings)
          : node && typeof node === "object"
            ? Object.values(node).flatMap(strings)
            : [];
    const files = [
      ...readdirSync(join(ROOT, "examples")).map((f) => join(ROOT, "examples", f)),
      ...readdirSync(join(ROOT, "test", "fixtures"))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => join(ROOT, "test", "fixtures", f)),
      join(ROOT, "test", "fixtures", "attacks", "base.yaml"),
    ];
    const found = files.flatMap((file) =>
      strings(parse(readFileSync(file, "utf8")))
        .filter((s) => highEntropyToken(s) !== undefined)
        .map((s) => `${file}: ${s}`),
    );
    expect(found).toEqual([]);
  });
});

describe("the loader's credential scan of comments and of the trust file", () => {
  const GITLAB_TOKEN = ["glpat", "abcdefghijklmnopqrst"].join("-");
  const RANDOM = ["q7RkX2mZ", "p9LwT4vB"].join("");
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split("\n").length;

  function loadError(text: string, file = DEFAULT_FILE): string {
    try {
      parseDataFile(text, file);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    throw new Error("expected the data file to be refused");
  }

  it.each([
    ["a GitLab token", `# Group "orchestrator" (old token ${GITLAB_TOKEN})`, "a GitLab token", 35],
    ["a password assignment", "# password: Winter2024", "a password assignment", 3],
    ["a high-entropy token", `# rotated, new one ${RANDOM}`, "a high-entropy token (a key or token?)", 20],
  ])("refuses %s in a comment, at the comment's line and column, without the credential", (_name, comment, kind, col) => {
    const text = DEFAULT_TEXT.replace(/^( *)# Group .*$/m, `$1${comment}`);
    expect(text).not.toBe(DEFAULT_TEXT);
    const indent = /^( *)# Group/m.exec(DEFAULT_TEXT)![1].length;
    const message = loadError(text);
    expect(message).toBe(
      `${DEFAULT_FILE}:${lineOf(text, comment)}:${indent + col}: comment: looks like ${kind}: no credential belongs in this file, comments included: delete it (rotate it if it was committed)`,
    );
    expect(message).not.toContain(GITLAB_TOKEN);
    expect(message).not.toContain(RANDOM);
  });

  it("scans a comment after a value, and leaves a value's `#` without a blank before it to the rules", () => {
    expect(credentialsInText(`usedBy: builds # ${GITLAB_TOKEN}\nurl: https://x.example/#frag`)).toEqual([
      { line: 1, col: 18, kind: "a GitLab token", inComment: true },
    ]);
    expect(credentialsInText(`usedBy: build-${GITLAB_TOKEN} x#y`)).toEqual([{ line: 1, col: 15, kind: "a GitLab token", inComment: false }]);
  });

  it("leaves the comments of the fixtures, the examples and their placeholders alone", () => {
    for (const file of [
      DEFAULT_FILE,
      join(ROOT, "examples", "with-pipeline.yaml"),
      join(ROOT, "examples", "project-role.yaml"),
      join(ROOT, "test", "fixtures", "attacks", "base.yaml"),
    ]) {
      expect(credentialsInText(readFileSync(file, "utf8")).filter((hit) => hit.inComment)).toEqual([]);
    }
    expect(credentialsInText("# vault kv put secret/ci/x token=...\n# password: <the password>")).toEqual([]);
  });

  it("refuses a credential anywhere in trust.yaml, comments included, naming the trust file, line and column", () => {
    const dir = mkdtempSync(join(tmpdir(), "trust-scan-"));
    const trust = readFileSync(join(ROOT, "test", "fixtures", "trust.yaml"), "utf8");
    writeFileSync(join(dir, "trust.yaml"), `${trust}# the apply token: ${GITLAB_TOKEN}\n`);
    const line = `${trust}#`.split("\n").length;
    expect(() => loadTrustFile(join(dir, "trust.yaml"))).toThrow(
      new ConfigError(join(dir, "trust.yaml"), [
        `${line}:20: comment: looks like a GitLab token: no credential belongs in this file, comments included: delete it (rotate it if it was committed)`,
      ]),
    );
    writeFileSync(
      join(dir, "trust.yaml"),
      trust.replace(/^(audiences:.*)$/m, `$1\n# ${RANDOM}`).replace("maxTokenNumUses:", `# ${RANDOM}\n  maxTokenNumUses:`),
    );
    expect(() => loadTrustFile(join(dir, "trust.yaml"))).toThrow(/trust\.yaml:\d+:3: comment: looks like a high-entropy token/);
  });
});
