// ACCESS.md's picture (lib/review/access-diagram.ts): checked with mermaid's own parser, on the committed ACCESS.md and on
// fixture data. mermaid is loaded once, in one child process for every diagram of this file (test/support/mermaid-parse.mjs).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { synthesizeInMemory } from "../lib/synth/synth";
import { renderAccessReport } from "../lib/review/access-report";
import { accessDiagram, DIAGRAM_LIMITS, mermaidLabel } from "../lib/review/access-diagram";
import { readGrantedAccess } from "../lib/review/granted-access";
import { generateData } from "../lib/operations/generate";
import { configFrom, loadFixture, ROOT, synthStack } from "./support/fixtures";

type Parsed = { ok: true; type: string } | { ok: false; error: string };

/** The ```mermaid blocks of a Markdown text. */
const mermaidBlocks = (markdown: string): string[] => [...markdown.matchAll(/^```mermaid\n([\s\S]*?)\n```$/gm)].map((m) => m[1]);

function parseWithMermaid(diagrams: readonly string[]): Parsed[] {
  const run = spawnSync(process.execPath, [join(ROOT, "test", "support", "mermaid-parse.mjs")], { input: JSON.stringify(diagrams), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`mermaid-parse.mjs failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Node ids reachable from `from` along the diagram's arrows (solid and dashed). */
function reachable(diagram: string, from: string): Set<string> {
  const edges = [...diagram.matchAll(/^ {2}(\w+) -(?:->|\.->)(?:\|[^|]*\|)? (\w+)$/gm)].map((m) => [m[1], m[2]]);
  const seen = new Set([from]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of edges) if (seen.has(a) && !seen.has(b)) grew = seen.add(b).size > 0;
  }
  return seen;
}
/** The node ids declared inside subgraph `name`. */
const nodesIn = (diagram: string, name: string): string[] => {
  const body = diagram.match(new RegExp(`^ {2}subgraph ${name}\\[.*\\n([\\s\\S]*?)\\n {2}end$`, "m"))?.[1] ?? "";
  return [...body.matchAll(/^ {4}(\w+)[[(]/gm)].map((m) => m[1]);
};
const idOf = (diagram: string, label: string): string => {
  const id = diagram.match(new RegExp(`^ {4}(\\w+)[[(]+"${label.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}[ "]`, "m"))?.[1];
  if (!id) throw new Error(`no node labelled ${label}`);
  return id;
};

const FIXTURE = join(ROOT, "test", "fixtures", "diagram", "access.yaml");
const TRICKY = 'ci "x" [y] #1; <b>`end`|';
let live: string;
let fixture: string;
let tricky: string;
let parsed: Parsed[];

beforeAll(() => {
  [live] = mermaidBlocks(readFileSync(join(ROOT, "ACCESS.md"), "utf8"));
  const tf: any = synthesizeInMemory(loadFixture(FIXTURE));
  [fixture] = mermaidBlocks(renderAccessReport(tf));
  // Names come from the JSON, which the report reads as it is: a hand-edited stack can hold any text.
  const edited = structuredClone(tf);
  const role = Object.values(edited.resource.vault_jwt_auth_backend_role as Record<string, { role_name: string; token_policies: string[] }>)[0];
  role.role_name = TRICKY;
  role.token_policies.push("hand-made");
  [tricky] = mermaidBlocks(renderAccessReport(edited));
  parsed = parseWithMermaid([live, fixture, tricky, `flowchart LR\n  r1(["${TRICKY}"]) --> p1`]);
});

describe("ACCESS.md's diagram", () => {
  it("is in the committed ACCESS.md and parses with mermaid as a flowchart", () => {
    expect(live).toContain("flowchart LR");
    expect(parsed[0]).toEqual({ ok: true, type: "flowchart-v2" });
  });

  it("draws every role, policy and secret path of the fixture, and parses", () => {
    expect(parsed[1]).toEqual({ ok: true, type: "flowchart-v2" });
    for (const name of ["nexus-ci", "vault-ci-access-plan", "vault-ci-access-apply", "kv-read.secret.nexus.svc-executor", "secret/data/nexus/svc-deployer"]) {
      expect(fixture).toContain(`"${name}`);
    }
    // The apply role writes: its arrows say with what, a read-only arrow says nothing.
    expect(fixture).toMatch(/ -->\|"create, update"\| s\d+$/m);
  });

  it("puts the workload-only secret in its own box that no CI role reads, and workloads do", () => {
    const deployer = idOf(fixture, "secret/data/nexus/svc-deployer");
    expect(nodesIn(fixture, "isolated")).toEqual([deployer]);
    expect(fixture).toContain("style isolated stroke:#c00");
    // Only the apply role's policy reaches it, to write it (create, update), never to read it.
    const into = [...fixture.matchAll(new RegExp(`^ {2}(\\w+) -->(\\|[^|]*\\|)? ${deployer}$`, "gm"))].map((m) => [m[1], m[2] ?? "read"]);
    expect(into).toEqual([
      [idOf(fixture, "kv-read.secret.nexus.svc-deployer"), "read"],
      [idOf(fixture, "pipeline.vault-ci-access-apply"), '|"create, update"|'],
    ]);
    const ciRoles = nodesIn(fixture, "ci");
    expect(ciRoles).toHaveLength(3);
    for (const role of ciRoles) expect(reachable(fixture, role).has(into[0][0])).toBe(false);
    expect(reachable(fixture, idOf(fixture, "kubernetes")).has(deployer)).toBe(true);
    // An account that CI reads is in the other box, reached from nexus-ci.
    expect(reachable(fixture, idOf(fixture, "nexus-ci (auth/jwt/)")).has(idOf(fixture, "secret/data/nexus/svc-executor"))).toBe(true);
    expect(nodesIn(fixture, "secrets")).toContain(idOf(fixture, "secret/data/nexus/svc-executor"));
  });

  it("escapes labels: quotes, brackets, #, HTML and backticks parse and show as text", () => {
    expect(tricky).toContain('(["ci #quot;x#quot; [y] #35;1; #lt;b#gt;#96;end#96;| (auth/jwt/)"])');
    // A policy the role carries that this configuration does not declare: drawn, and said so.
    expect(tricky).toMatch(/^ {4}(p\d+)\["hand-made \(not declared here\)"\]$/m);
    expect(parsed[2]).toEqual({ ok: true, type: "flowchart-v2" });
    // The same name unescaped: mermaid refuses it (the check can fail).
    expect(parsed[3]).toMatchObject({ ok: false, error: expect.stringContaining("Parse error") });
  });

  it("writes a mermaid label for any one line of text", () => {
    expect(mermaidLabel('a "b" #c <d> & `e`')).toBe('"a #quot;b#quot; #35;c #lt;d#gt; #amp; #96;e#96;"');
  });

  it("is a sentence, not a diagram, beyond what mermaid draws", () => {
    const text = accessDiagram(readGrantedAccess(synthStack(configFrom(generateData({ accounts: 300, roles: 3 })))));
    expect(text).toMatch(new RegExp(`^_Not drawn: \\d+ arrows and \\d+ characters exceed what mermaid draws \\(${DIAGRAM_LIMITS.maxEdges} arrows`));
  });
});
