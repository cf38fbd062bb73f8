/**
 * The organisation's live data file, access.yaml: only what must hold after ANY valid change to it (an account
 * added, a password rotated, the pipeline section enabled). It loads, it passes every guardrail, and the files
 * generated from it are current. The reviewed snapshot of its stack is in test/stack.test.ts (so that it stays in
 * __snapshots__/stack.test.ts.snap). Everything else is behaviour, tested on the frozen fixtures in test/fixtures/.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isScalar, parse, parseDocument, visit } from "yaml";
import { readPlainYaml } from "../lib/model/plain-yaml";
import { type DataFile, loadDataFile } from "../lib/model/config";
import { synthesizeInMemory } from "../lib/synth/synth";
import { renderAccessReport, reportStaleness } from "../lib/review/access-report";
import { PIPELINE_TEMPLATE_FILE, renderPipelineTemplate, renderSecretsTemplate, SECRETS_TEMPLATE_FILE } from "../lib/operations/ci-template";
import type { TerraformJson } from "../rules/terraform-json";
import { LIVE_FILE, ROOT } from "./support/data";

/** A generated file's staleness as one message that says what to run, or undefined when it is current. */
function staleness(path: string, fresh: string, command: string): string | undefined {
  const file = join(ROOT, path);
  const committed = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  return committed === fresh ? undefined : `${path} is not what \`${command}\` generates from access.yaml now: run it and commit ${path}.`;
}

/**
 * access.yaml's text as the `yaml` package writes it back (an editor's or a script's save): every list of scalars in
 * flow style with padding (`[ a, b ]`), long texts folded over lines. The same data, another text.
 */
function writtenBackByYaml(text: string): string {
  const doc = parseDocument(text);
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.every(isScalar)) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 60, minContentWidth: 20 });
}

/** A scratch copy of access.yaml as the yaml package writes it back (the repository's trust.yaml still applies: lib/model/trust.ts). */
function rewrittenCopy(): string {
  const file = join(mkdtempSync(join(tmpdir(), "live-rewritten-")), "access.yaml");
  writeFileSync(file, writtenBackByYaml(readFileSync(LIVE_FILE, "utf8")));
  return file;
}

describe.each([
  ["access.yaml, the live data file", () => LIVE_FILE],
  ["access.yaml written back by the yaml package (flow lists, folded lines), in a scratch copy", rewrittenCopy],
])("%s", (_name, fileOf) => {
  let source: DataFile;
  let tf: TerraformJson;
  // In beforeAll: a data or guardrail error fails the first test with its message (file, field, value, rule).
  beforeAll(() => {
    source = loadDataFile(fileOf());
    tf = synthesizeInMemory(source);
  });

  it("loads, and synthesizes with every guardrail passing (what npm run synth checks)", () => {
    expect(source.config.stack).toMatch(/^[a-z]/);
    expect(Object.keys(tf.resource ?? {}).length).toBeGreaterThan(0);
  });

  it("ACCESS.md is what `npm run access` renders now", () => {
    const file = join(ROOT, "ACCESS.md");
    const problem = reportStaleness(existsSync(file) ? readFileSync(file, "utf8") : undefined, renderAccessReport(tf));
    if (problem) throw new Error(problem);
  });

  it.each([
    [SECRETS_TEMPLATE_FILE, renderSecretsTemplate],
    [PIPELINE_TEMPLATE_FILE, renderPipelineTemplate],
  ])("%s is what `npm run ci-template` renders now", (path, render) => {
    const problem = staleness(path, render(source.config), "npm run ci-template");
    if (problem) throw new Error(problem);
  });
});

describe("writtenBackByYaml", () => {
  it("writes the same data in another text: flow lists with padding, long texts folded, which the fast reader leaves to yaml", () => {
    const text = readFileSync(LIVE_FILE, "utf8");
    const rewritten = writtenBackByYaml(text);
    expect(parse(rewritten)).toEqual(parse(text));
    expect(rewritten).toMatch(/: \[ [^\n]+ \]$/m);
    // A text longer than the line width is on more than one line.
    const folded = rewritten
      .split("\n")
      .some((line, i, lines) => /^ +[^\s#:-][^:]*$/.test(line) && !/^ *- /.test(lines[i - 1] ?? "") && /:\s/.test(lines[i - 1] ?? ""));
    expect(folded).toBe(true);
    expect(readPlainYaml(rewritten)).toBeUndefined();
  });
});
