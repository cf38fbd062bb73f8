// CODEOWNERS, evaluated as GitLab does (lib/model/codeowners.ts) on every tracked file: owned by the security owners
// by default, with carve-outs that no job can execute.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CodeownersError, type CodeownersEntry, ownersOf, parseCodeowners, patternMatches } from "../lib/model/codeowners";
import { ROOT } from "./support/data";

const SECURITY = "@cwiq/security";

interface TrackedFile {
  readonly path: string;
  /** git's mode: 100644, or 100755 for a file with the executable bit, 120000 for a link. */
  readonly mode: string;
}

/** Every tracked file with its mode, from `git ls-files -s` (what a merge request can change). */
function trackedFiles(): TrackedFile[] {
  const out = execFileSync("git", ["-C", ROOT, "ls-files", "-s", "-z"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return out
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split("\t");
      return { path, mode: meta.split(" ")[0] };
    });
}

/** Folders whose files jobs run, load or test with (code, tests, CI, packages, generated inputs). */
const EXECUTED_FOLDERS = /^(?:lib|constructs|rules|scripts|test|\.ci|templates|examples|__snapshots__|node_modules|dist|\.gitlab|\.husky|\.vscode)\//;
/** Names a tool reads as configuration or a job runs: never a carve-out, wherever they are. */
const EXECUTED_NAMES = /(?:^|\/)(?:\.[^/]*|CODEOWNERS|Makefile|Dockerfile|[^/]*\.config\.[^/]+|[^/]*rc)$/;
const EXECUTED_EXTENSIONS = /\.(?:js|mjs|cjs|ts|mts|cts|json|jsonc|json5|yml|yaml|sh|jq|go|mod|sum|toml|ini|cfg|env|py|rb)$/i;

/**
 * Why a file may not go without the security owners' approval, or undefined: a carve-out must be prose, read by
 * people only (Markdown), outside the folders that jobs run, with no executable bit.
 */
function carveOutProblem(file: TrackedFile): string | undefined {
  if (file.mode !== "100644") return `mode ${file.mode} (executable or a link)`;
  if (EXECUTED_FOLDERS.test(file.path)) return "in a folder of code, tests or CI";
  if (EXECUTED_NAMES.test(file.path)) return "a dotfile, rc file, config file or CODEOWNERS, which a tool reads";
  if (EXECUTED_EXTENSIONS.test(file.path)) return "a script, configuration or data file";
  if (!file.path.endsWith(".md")) return "not a Markdown file";
  return undefined;
}

/** `path: why` for each file that is not owned by the security owners and may not be a carve-out. */
function unownedProblems(entries: readonly CodeownersEntry[], files: readonly TrackedFile[]): string[] {
  return files.flatMap((file) => {
    if (ownersOf(entries, file.path).includes(SECURITY)) return [];
    const problem = carveOutProblem(file);
    return problem ? [`${file.path}: not owned by ${SECURITY} and ${problem}`] : [];
  });
}

const file = (path: string, mode = "100644"): TrackedFile => ({ path, mode });

describe("CODEOWNERS (the committed file, on the real tree)", () => {
  let entries: CodeownersEntry[];
  let tracked: TrackedFile[];
  beforeAll(() => {
    entries = parseCodeowners(readFileSync(join(ROOT, "CODEOWNERS"), "utf8"));
    tracked = trackedFiles();
  });

  it("gives every tracked file that is not a carve-out to the security owners", () => {
    expect(tracked.length).toBeGreaterThan(100); // the listing worked
    expect(unownedProblems(entries, tracked)).toEqual([]);
    // The inputs of the synth, the pipeline and the tools it runs with, by name.
    for (const path of [
      "access.yaml",
      "trust.yaml",
      "lib/model/duration.ts",
      "main.ts",
      "package.json",
      "package-lock.json",
      ".gitlab-ci.yml",
      ".ci/run",
      "biome.jsonc",
      "jest.config.js",
      "tsconfig.json",
      "CODEOWNERS",
      "test/codeowners.test.ts",
      "docs/enable-pipeline.md",
      "ACCESS.md",
    ]) {
      expect([path, ownersOf(entries, path)]).toEqual([path, [SECURITY]]);
    }
  });

  it("carves out only tracked Markdown files, each by its exact path, each of them something no job executes", () => {
    const exclusions = entries.filter((entry) => entry.exclusion);
    expect(exclusions.map((e) => e.pattern)).toEqual(expect.arrayContaining(["/CHANGELOG.md", "/README.md"]));
    const paths = new Set(tracked.map((t) => t.path));
    for (const { pattern, line } of exclusions) {
      // Exact paths only: a glob could grow to cover a file added later, and a folder would cover whatever is put in it.
      expect([line, pattern, /^\/[^*?]+\.md$/.test(pattern), paths.has(pattern.slice(1))]).toEqual([line, pattern, true, true]);
    }
    const carved = tracked.filter((t) => !ownersOf(entries, t.path).includes(SECURITY));
    expect(carved.map((t) => t.path).sort()).toEqual(exclusions.map((e) => e.pattern.slice(1)).sort());
    expect(carved.map(carveOutProblem)).toEqual(carved.map(() => undefined));
  });

  it("owns what a merge request could add: an .npmrc, a hook, a file in a new folder, another CODEOWNERS, a doc beside a carve-out", () => {
    for (const path of [
      ".npmrc",
      ".yarnrc.yml",
      "tools/hook.js",
      "new-folder/x.md",
      "new-folder/deep/er/file",
      "docs/.npmrc",
      "docs/new-runbook.md",
      "docs/CODEOWNERS",
      ".gitlab/CODEOWNERS",
      "README.md.js",
      "CHANGELOG.md/x",
      "test/x.md",
    ]) {
      expect([path, ownersOf(entries, path)]).toEqual([path, [SECURITY]]);
    }
  });
});

describe("carveOutProblem and unownedProblems (synthetic trees)", () => {
  it("refuses as carve-outs every kind of file a job can execute or load", () => {
    const cases: [TrackedFile, string][] = [
      [file(".npmrc"), "a dotfile, rc file, config file or CODEOWNERS, which a tool reads"],
      [file("docs/.yarnrc"), "a dotfile, rc file, config file or CODEOWNERS, which a tool reads"],
      [file("jest.config.js"), "a dotfile, rc file, config file or CODEOWNERS, which a tool reads"],
      [file("biome.jsonc"), "a script, configuration or data file"],
      [file("tsconfig.json"), "a script, configuration or data file"],
      [file("tools/hook.js"), "a script, configuration or data file"],
      [file("tools/hook.cjs"), "a script, configuration or data file"],
      [file("notes.yml"), "a script, configuration or data file"],
      [file("run.sh"), "a script, configuration or data file"],
      [file("docs/run.md", "100755"), "mode 100755 (executable or a link)"],
      [file("docs/link.md", "120000"), "mode 120000 (executable or a link)"],
      [file("scripts/notes.md"), "in a folder of code, tests or CI"],
      [file(".ci/README.md"), "in a folder of code, tests or CI"],
      [file("test/fixtures/notes.md"), "in a folder of code, tests or CI"],
      [file("lib/README.md"), "in a folder of code, tests or CI"],
      [file("docs/CODEOWNERS"), "a dotfile, rc file, config file or CODEOWNERS, which a tool reads"],
      [file("tools/hook"), "not a Markdown file"],
    ];
    for (const [tracked, problem] of cases) expect([tracked.path, carveOutProblem(tracked)]).toEqual([tracked.path, problem]);
    expect(carveOutProblem(file("docs/organisation.md"))).toBeUndefined();
  });

  it("fails a tree where an unowned .npmrc, a hook or a new folder slipped past the default", () => {
    const noDefault = parseCodeowners("/lib/ @cwiq/security\n/docs/ @cwiq/security\n");
    expect(unownedProblems(noDefault, [file("lib/a.ts"), file(".npmrc"), file("tools/hook.js"), file("new/x.md")])).toEqual([
      ".npmrc: not owned by @cwiq/security and a dotfile, rc file, config file or CODEOWNERS, which a tool reads",
      "tools/hook.js: not owned by @cwiq/security and a script, configuration or data file",
    ]);
    const carvedConfig = parseCodeowners("* @cwiq/security\n!/.npmrc\n!/jest.config.js\n!/docs/a.md\n");
    expect(unownedProblems(carvedConfig, [file(".npmrc"), file("jest.config.js"), file("docs/a.md"), file("lib/a.ts")])).toEqual([
      ".npmrc: not owned by @cwiq/security and a dotfile, rc file, config file or CODEOWNERS, which a tool reads",
      "jest.config.js: not owned by @cwiq/security and a dotfile, rc file, config file or CODEOWNERS, which a tool reads",
    ]);
    // An entry with no owners is a carve-out in disguise (GitLab auto-approves a rule without approvers).
    expect(unownedProblems(parseCodeowners("* @cwiq/security\n/scripts/\n"), [file("scripts/x.ts")])).toEqual([
      "scripts/x.ts: not owned by @cwiq/security and in a folder of code, tests or CI",
    ]);
    // Another owner is not the security owners.
    expect(unownedProblems(parseCodeowners("* @cwiq/security\n*.js @someone\n"), [file("tools/hook.js")])).toEqual([
      "tools/hook.js: not owned by @cwiq/security and a script, configuration or data file",
    ]);
  });
});

describe("GitLab CODEOWNERS semantics (lib/model/codeowners.ts)", () => {
  it("lets the last matching pattern win", () => {
    const entries = parseCodeowners("* @a\n/lib/ @b\n*.md @c\n/lib/x.ts @d\n");
    expect(ownersOf(entries, "main.ts")).toEqual(["@a"]);
    expect(ownersOf(entries, "lib/y.ts")).toEqual(["@b"]);
    expect(ownersOf(entries, "lib/README.md")).toEqual(["@c"]);
    expect(ownersOf(entries, "lib/x.ts")).toEqual(["@d"]);
    expect(ownersOf(parseCodeowners("/lib/x.ts @d\n/lib/ @b\n"), "lib/x.ts")).toEqual(["@b"]);
  });

  it("matches as File::fnmatch with FNM_PATHNAME and FNM_DOTMATCH: `*` takes dotfiles, not slashes; unanchored at any depth; `/` folders recursively", () => {
    expect(patternMatches("*", ".npmrc")).toBe(true);
    expect(patternMatches("*", "a/b/.npmrc")).toBe(true);
    expect(patternMatches("/*", "a/b.ts")).toBe(false);
    expect(patternMatches("/*", "b.ts")).toBe(true);
    expect(patternMatches("/docs/*", "docs/a.md")).toBe(true);
    expect(patternMatches("/docs/*", "docs/x/a.md")).toBe(false);
    expect(patternMatches("/docs/**/*.md", "docs/x/y/a.md")).toBe(true);
    expect(patternMatches("/docs/**/*.md", "docs/a.md")).toBe(true);
    expect(patternMatches("/docs/", "docs/x/y/a.md")).toBe(true);
    expect(patternMatches("/docs/", "docsx/a.md")).toBe(false);
    expect(patternMatches("lib/", "a/lib/b.ts")).toBe(true);
    expect(patternMatches("README.md", "docs/README.md")).toBe(true);
    expect(patternMatches("/README.md", "docs/README.md")).toBe(false);
    expect(patternMatches("/a?c.md", "abc.md")).toBe(true);
    expect(patternMatches("/a.md", "aXmd")).toBe(false); // a dot is a dot
    expect(patternMatches("path\\ with\\ spaces/", "x")).toBe(false);
    expect(ownersOf(parseCodeowners("/path\\ with\\ spaces/ @a\n"), "path with spaces/x")).toEqual(["@a"]);
  });

  it("exempts a file matched by an exclusion whatever the order of the lines (no re-inclusion), and owns nothing with an ownerless entry", () => {
    expect(ownersOf(parseCodeowners("* @a\n!/README.md\n"), "README.md")).toEqual([]);
    expect(ownersOf(parseCodeowners("!/README.md\n* @a\n"), "README.md")).toEqual([]);
    expect(ownersOf(parseCodeowners("* @a\n!/README.md\n/README.md @b\n"), "README.md")).toEqual([]);
    expect(ownersOf(parseCodeowners("* @a\n!/README.md\n"), "docs/README.md")).toEqual(["@a"]);
    expect(ownersOf(parseCodeowners("* @a\n/lib/\n"), "lib/x.ts")).toEqual([]);
    expect(ownersOf(parseCodeowners("/lib/ @a\n"), "main.ts")).toEqual([]);
  });

  it("ignores comments and blank lines, keeps line numbers, and refuses what it does not model, naming file, line and value", () => {
    expect(parseCodeowners("# c\n\n  * @a @b/c  \n\\#x @d\n", "CODEOWNERS")).toEqual([
      { line: 3, pattern: "*", owners: ["@a", "@b/c"], exclusion: false },
      { line: 4, pattern: "#x", owners: ["@d"], exclusion: false },
    ]);
    const refused = (text: string) => {
      try {
        parseCodeowners(text, "CODEOWNERS");
      } catch (error) {
        expect(error).toBeInstanceOf(CodeownersError);
        return (error as Error).message;
      }
      throw new Error("not refused");
    };
    expect(refused("* @a\n[Docs] @b\n")).toBe(
      'CODEOWNERS:2: section "[Docs] @b" is not supported; allowed: rules outside sections (this file is evaluated without them)',
    );
    expect(refused("^[Docs]\n")).toContain("CODEOWNERS:1: section");
    expect(refused("/lib/[ab].ts @a\n")).toBe(
      'CODEOWNERS:1: pattern "/lib/[ab].ts" is not supported; allowed: paths with `*`, `**` and `?` (no character classes or braces)',
    );
    expect(refused("!/README.md @a\n")).toBe('CODEOWNERS:1: owners of an exclusion "@a" is not supported; allowed: none: `!pattern` takes no owners');
    expect(refused("/lib/ security\n")).toBe('CODEOWNERS:1: owner "security" is not supported; allowed: @user, @group/subgroup, @@role or an email address');
    expect(refused("!\n")).toContain('CODEOWNERS:1: pattern "!"');
  });
});
