// The README and docs/ show commands and link to each other: every command shown must exist, every link must resolve
// inside the repository, so that a renamed script, file or heading cannot leave the documentation behind.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./support/data";

/** Where a Markdown file shows something that does not exist: one line per problem, `file:line: what`. */
interface DocTree {
  /** The package.json scripts. */
  readonly scripts: readonly string[];
  /** Whether a path relative to the repository root exists. */
  readonly exists: (path: string) => boolean;
  /** The text of a Markdown file of the tree, by path relative to the root (undefined: no such file). */
  readonly markdown: (path: string) => string | undefined;
}

/** Top-level folders whose files the docs name in code spans (a file name with an extension, no placeholder). */
const REPO_PATH = /(?<![\w./-])((?:\.ci|lib|rules|constructs|scripts|test|examples|templates|__snapshots__)\/[\w./-]*\.[a-z]+)(?::[\d-]+)?(?![\w<>*{$/-])/g;
const NPM_RUN = /\bnpm run ([\w:-]+)/g;
const LINK = /\]\(([^)\s]+)\)/g;

/** GitLab's (and GitHub's) heading anchor: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-")
    .replace(/-+/g, "-");
}

const anchorsOf = (text: string) => new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1])));

function docProblems(file: string, text: string, tree: DocTree): string[] {
  const problems: string[] = [];
  text.split("\n").forEach((line, index) => {
    const at = `${file}:${index + 1}`;
    for (const [, script] of line.matchAll(NPM_RUN)) {
      if (!tree.scripts.includes(script)) problems.push(`${at}: npm run ${script}: package.json has no such script`);
    }
    for (const [, path] of line.matchAll(REPO_PATH)) {
      if (!tree.exists(path)) problems.push(`${at}: ${path}: no such file`);
    }
    for (const [, target] of line.matchAll(LINK)) {
      const problem = linkProblem(file, target, tree);
      if (problem) problems.push(`${at}: link ${target}: ${problem}`);
    }
  });
  return problems;
}

function linkProblem(file: string, target: string, tree: DocTree): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return "points outside the repository (a URL): the docs must stand alone";
  const [path, anchor] = target.split("#", 2);
  const inRepo = path === "" ? file : relative(ROOT, resolve(ROOT, dirname(file), path));
  if (inRepo.startsWith("..") || resolve(ROOT, inRepo) === resolve(ROOT, "..")) return "points outside the repository";
  if (!tree.exists(inRepo)) return "no such file";
  if (anchor === undefined) return undefined;
  const text = tree.markdown(inRepo);
  if (text === undefined) return `#${anchor} in a file that is not Markdown`;
  return anchorsOf(text).has(anchor) ? undefined : `${inRepo} has no heading #${anchor}`;
}

const liveTree: DocTree = {
  scripts: Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts),
  exists: (path) => existsSync(join(ROOT, path)),
  markdown: (path) => (path.endsWith(".md") && existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), "utf8") : undefined),
};

const documentation = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

describe("the documentation", () => {
  it.each(documentation)("%s shows only commands, files and links that exist", (file) => {
    expect(docProblems(file, readFileSync(join(ROOT, file), "utf8"), liveTree)).toEqual([]);
  });

  it("README.md stays one screen of purpose and commands (at most 150 lines), and links every runbook in docs/", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme.split("\n").length).toBeLessThanOrEqual(151);
    const linked = new Set([...readme.matchAll(/\]\(docs\/([\w.-]+\.md)/g)].map((m) => m[1]));
    expect(documentation.filter((f) => f.startsWith("docs/") && !linked.has(f.slice(5)))).toEqual([]);
  });

  it("each runbook ends with the files to commit", () => {
    const runbooks = ["add-account", "rotate-password", "adopt", "review-access-change", "enable-pipeline", "plan-and-apply", "change-access"];
    const last = (name: string) => [...readFileSync(join(ROOT, "docs", `${name}.md`), "utf8").matchAll(/^## (.+)$/gm)].pop()?.[1];
    expect(runbooks.map((name) => [name, last(name)])).toEqual(runbooks.map((name) => [name, "Commit these files"]));
  });
});

describe("docProblems", () => {
  const fixture: DocTree = {
    scripts: ["synth", "access:diff"],
    exists: (path) => ["README.md", "docs/a.md", "lib/model/config.ts", ".ci/plan-guard.jq", "scripts/synth.mjs"].includes(path),
    markdown: (path) => (path === "docs/a.md" ? "# Title\n\n## After any change to `access.yaml`\n" : path === "README.md" ? "# Readme\n" : undefined),
  };

  it("accepts commands, files and links that exist", () => {
    const text = [
      "npm run synth && npm run access:diff -- main; node scripts/synth.mjs; jq -f .ci/plan-guard.jq",
      "`lib/model/config.ts:170-232`, `test/<file>.test.ts`, `test/e2e/*.e2e.test.ts`",
      "[a](a.md), [b](a.md#after-any-change-to-accessyaml), [c](#title), [d](../README.md#readme)",
    ].join("\n");
    expect(docProblems("docs/a.md", text, fixture)).toEqual([]);
  });

  it("names each command, file and link that does not exist, with its line", () => {
    const text = [
      "npm run sinth; node scripts/synt.mjs; jq -f .ci/plan-gaurd.jq",
      "[a](b.md) [b](a.md#nowhere) [c](../../shared/DOMAIN.md) [d](https://example.org/)",
    ].join("\n");
    expect(docProblems("docs/a.md", text, fixture)).toEqual([
      "docs/a.md:1: npm run sinth: package.json has no such script",
      "docs/a.md:1: scripts/synt.mjs: no such file",
      "docs/a.md:1: .ci/plan-gaurd.jq: no such file",
      "docs/a.md:2: link b.md: no such file",
      "docs/a.md:2: link a.md#nowhere: docs/a.md has no heading #nowhere",
      "docs/a.md:2: link ../../shared/DOMAIN.md: points outside the repository",
      "docs/a.md:2: link https://example.org/: points outside the repository (a URL): the docs must stand alone",
    ]);
  });
});
