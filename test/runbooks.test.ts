// Runbook sentences that state what the tool does or prints, compared with what it really does or prints (issue 23):
// the output account:add prints, the adoption summary, the init before every plan, the trust file a pipeline
// needs, and what JWT-006 refuses. Each runs on the tests' own fixtures, never on the organisation's access.yaml.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { parse, stringify } from "yaml";
import { parseAccountAddArgs, runAccountAdd } from "../lib/operations/account-add";
import { parseDataFile } from "../lib/model/config";
import { summarize } from "../lib/synth/cli";
import { buildAndCheck, createdByFirstPlan } from "../lib/synth/synth";
import { configFrom, DEFAULT_TEXT, defaultData, ROOT, synthStack } from "./support/fixtures";
import { trustFor } from "./support/data";

const doc = (name: string) => readFileSync(join(ROOT, "docs", name), "utf8");

/** The fenced code blocks of a Markdown text, each without its fences and without the indentation of its opening fence. */
function codeBlocks(text: string): string[] {
  return [...text.matchAll(/^( *)```[a-z]*\n([\s\S]*?)^ *```$/gm)].map(([, indent, body]) =>
    body
      .split("\n")
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join("\n")
      .trimEnd(),
  );
}

/** A command line as the shell splits it: words, with "double" or 'single' quoted parts (no escapes or variables). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g)].map(([word]) => word.replace(/"([^"]*)"|'([^']*)'/g, "$1$2"));
}

/**
 * Each `terraform -chdir=<dir> plan` that follows an `npm run synth` with no `terraform -chdir=<dir> init` between
 * them, as `file:line: ...`: a fresh clone (or a new cdktf.out) stops there with "Backend initialization required".
 */
function plansWithoutInit(file: string, text: string): string[] {
  const problems: string[] = [];
  let synthesized = false;
  const initialized = new Set<string>();
  text.split("\n").forEach((line, index) => {
    for (const [command, dir, verb] of line.matchAll(/npm run synth\b|terraform -chdir=(\S+) (init|plan)\b/g)) {
      if (command.startsWith("npm")) {
        synthesized = true;
        initialized.clear();
      } else if (verb === "init") initialized.add(dir);
      else if (synthesized && !initialized.has(dir))
        problems.push(`${file}:${index + 1}: terraform -chdir=${dir} plan without terraform -chdir=${dir} init after npm run synth`);
    }
  });
  return problems;
}

/** The real rule pack's findings on a data text with the given trust anchors, as "RULE path: message". */
function violationsOf(text: string, file: string, trust = trustFor(file)): string[] {
  const source = parseDataFile(text, file, trust);
  return buildAndCheck(source, Testing.app(), { kind: "local" }).report.violations.map((v) => `${v.rule.id} ${v.path}: ${v.message}`);
}

describe("add-account.md", () => {
  const text = doc("add-account.md");

  it("shows exactly what account:add prints for the command it shows, on the three accounts' data (its plan: 3 to add, the guard too)", () => {
    const command = text.split("\n").find((line) => line.startsWith("npm run account:add -- "));
    expect(command).toBeDefined();
    const { request } = parseAccountAddArgs(shellWords(command!).slice(4));
    expect(request.name).toBe("svc-datastore");
    const run = runAccountAdd(shellWords(command!).slice(4), { update: (_file, edit) => edit(DEFAULT_TEXT), env: {} });
    expect(run.code).toBe(0);
    const shown = codeBlocks(text).find((block) => block.startsWith("Added "));
    expect(shown).toBe(run.stdout.trimEnd());
    expect(shown).toContain('+ terraform_data.account_guard["svc-datastore"]');
    expect(shown).toContain("Plan: 3 to add, 1 to change, 0 to destroy.");
  });
});

describe("terraform init before every plan", () => {
  it.each(["add-account.md", "rotate-password.md", "adopt.md", "plan-and-apply.md", "enable-pipeline.md"])("%s inits after synth, before it plans", (name) => {
    expect(plansWithoutInit(`docs/${name}`, doc(name))).toEqual([]);
  });

  it("as do the steps account:add prints", () => {
    const run = runAccountAdd(["svc-datastore", "--permissions", "docker:read-write", "--readers", "nexus-ci"], {
      update: (_file, edit) => edit(DEFAULT_TEXT),
      env: {},
    });
    expect(run.stdout).toContain("terraform -chdir=cdktf.out/stacks/cwiq plan");
    expect(plansWithoutInit("account:add", run.stdout)).toEqual([]);
  });

  it("names a plan after synth without init, also one whose init was for another folder or before the synth", () => {
    const text = [
      "terraform -chdir=s init",
      "npm run synth && terraform -chdir=s plan",
      "terraform -chdir=t init; terraform -chdir=s plan",
      "terraform -chdir=s init && terraform -chdir=s plan",
    ].join("\n");
    expect(plansWithoutInit("x.md", text)).toEqual([
      "x.md:2: terraform -chdir=s plan without terraform -chdir=s init after npm run synth",
      "x.md:3: terraform -chdir=s plan without terraform -chdir=s init after npm run synth",
    ]);
  });
});

describe("adopt.md", () => {
  const text = doc("adopt.md");
  const created = "vault_policy.kv-read_secret_nexus_svc-deployer";
  // Step 2's data: three accounts with hand-set passwords, one declared policy that production lacks.
  const data = defaultData();
  data.adopt = { create: [created] };
  for (const account of data.accounts) account.passwordVersion = 0;

  it("shows the summary lines synth prints for step 2's data, and the plan creates exactly what they list", () => {
    const config = configFrom(data);
    const tf = synthStack(config);
    const creates = createdByFirstPlan(tf);
    const summary = summarize(
      "access.yaml",
      config,
      { kind: "gitlab" },
      { outdir: "o", stackFile: "o/s.json", report: { violations: [], suppressed: [] }, imports: tf.import.length, creates },
    );
    const shown = codeBlocks(text).find((block) => block.includes("  adopt     "));
    expect(shown).toBeDefined();
    for (const line of shown!.split("\n")) expect(summary.split("\n")).toContain(line);
    // Step 4's sentence: the adopt.create entries plus one guard instance per account, nothing else.
    expect(text).toContain("the `adopt.create` entries plus one `terraform_data.account_guard` instance per account");
    expect(creates).toEqual([...config.accounts.map((a) => `terraform_data.account_guard["${a.name}"]`), created].sort());
  });
});

describe("enable-pipeline.md", () => {
  const text = doc("enable-pipeline.md");
  const file = join(ROOT, "examples", "with-pipeline.yaml");
  const pipelineText = readFileSync(file, "utf8");

  it("step 1 adds the project id to trust.yaml first, which the tool requires (TRUST-003), and commits trust.yaml", () => {
    const projectId = parse(pipelineText).pipeline.projectId;
    const trust = trustFor(file);
    expect(violationsOf(pipelineText, file, trust)).toEqual([]);
    const without = { ...trust, bindings: { ...trust.bindings, projectIds: trust.bindings.projectIds.filter((id) => id !== projectId) } };
    expect(violationsOf(pipelineText, file, without)).toContain(`TRUST-003 pipeline.projectId: ${projectId} is not among trust.yaml's projectIds (none)`);

    const step1 = text.slice(text.indexOf("\n1. "), text.indexOf("\n2. "));
    expect(step1).toMatch(/to `trust.yaml`'s\s+`bindings.projectIds`/);
    expect(step1.indexOf("trust.yaml")).toBeLessThan(step1.indexOf("`pipeline` section"));
    const commit = text.slice(text.indexOf("## Commit these files"));
    expect(commit).toMatch(/^Step 1: `trust.yaml`/m);
  });
});

describe("change-access.md", () => {
  const text = doc("change-access.md");

  it("promises a role for one project, and the list of projects it says JWT-006 refuses is refused", () => {
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toContain("A role for one project");
    expect(headings.filter((h) => /few|several|projects/i.test(h))).toEqual([]);
    const list = /`project_id: "([^"]+)"` is refused by JWT-006/.exec(text)?.[1];
    expect(list).toBe("4242,4243");

    const file = join(ROOT, "examples", "project-role.yaml");
    const example = parse(readFileSync(file, "utf8"));
    const role = example.roles.findIndex((r: { boundClaims: Record<string, string> }) => "project_id" in r.boundClaims);
    expect(violationsOf(stringify(example), file)).toEqual([]);
    example.roles[role].boundClaims.project_id = list;
    expect(violationsOf(stringify(example), file)).toContainEqual(
      expect.stringMatching(/^JWT-006 .*bound_claims\.project_id: "4242,4243" is not one exact value$/),
    );
  });
});
