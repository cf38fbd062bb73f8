// The cdktf CLI's modes. `cdktf synth --hcl` (HashiCorp's migration path off CDKTF) runs for real, through cdktf.json,
// on a fixture data file that has every kind of block this stack writes; the HCL is read back with HashiCorp's HCL
// parser (@cdktf/hcl2json) and must mean the JSON the guardrails checked. Plain `cdktf synth` differs from it only in
// SYNTH_HCL_OUTPUT, so its JSON is checked in process (a CLI run costs some 3 s of CPU).
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calledByCdktfCli, synthesize, synthesizeInMemory } from "../lib/synth/synth";
import { bareIgnoreChanges, checkHclFile, comparableTerraform, parseHcl, differences, exactHeredocs, withoutTerraformBlock } from "../lib/synth/stack-hcl";
import type { TerraformJson } from "../rules/terraform-json";
import { FileWriteError, writeFilesAtomic } from "../lib/synth/atomic-write";
import { loadFixture, ROOT } from "./support/data";

const FIXTURE = join(ROOT, "test", "fixtures", "cdktf-cli", "access.yaml");
const CLI = join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");

/**
 * `cdktf synth --hcl --output <tmp>` in the repository (it reads cdktf.json there), on the fixture, in a folder where
 * `npm run synth` wrote the JSON before (the README's way off CDKTF, run after the usual synth).
 */
function cdktfSynthHcl(): Promise<{ code: number | null; output: string; outdir: string; before: string[] }> {
  const outdir = join(mkdtempSync(join(tmpdir(), "cdktf-cli-")), "cdktf.out");
  synthesize(loadFixture(FIXTURE), { kind: "gitlab" }, outdir, {});
  const before = readdirSync(stackDir(outdir)).sort();
  // --liftoff-only, as cdktf.json gives the app: the CLI loads HashiCorp's HCL parser (Go as WebAssembly) too, and V8's
  // optimizing tier compiled it again in the background for nothing (about 0.7 s of this test's 4 s of CPU).
  const args = ["--liftoff-only", CLI, "synth", "--hcl", "--output", outdir];
  // CHECKPOINT_DISABLE: no version check or telemetry call from a test; ACCESS_CONFIG: the CLI passes no arguments.
  // GITLAB_CI, CI: not "true", even when the tests run in a GitLab job: there the synth refuses ACCESS_CONFIG.
  const env = { ...process.env, ACCESS_CONFIG: FIXTURE, CHECKPOINT_DISABLE: "1", CI: "1", GITLAB_CI: "", FORCE_COLOR: "0" };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output, outdir, before }));
  });
}

const stackDir = (outdir: string) => join(outdir, "stacks", "cwiq");
let checked: TerraformJson;
let hcl: Awaited<ReturnType<typeof cdktfSynthHcl>>;
let hclText: string;

beforeAll(async () => {
  checked = synthesizeInMemory(loadFixture(FIXTURE));
  hcl = await cdktfSynthHcl();
  hclText = existsSync(join(stackDir(hcl.outdir), "cdk.tf")) ? readFileSync(join(stackDir(hcl.outdir), "cdk.tf"), "utf8") : "";
}, 120_000);

describe("cdktf synth (the app under the cdktf CLI writes through app.synth())", () => {
  it("writes the JSON the guardrails checked, with one backend and the manifest the CLI reads, and removes an earlier HCL", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "cdktf-app-")), "cdktf.out");
    mkdirSync(stackDir(outdir), { recursive: true });
    for (const earlier of ["cdk.tf", "metadata.json"]) writeFileSync(join(stackDir(outdir), earlier), "from an earlier cdktf synth --hcl\n");
    // What the CLI sets for the app without --hcl (cdktf-cli 0.21.0 SynthStack.synth); cdktf's App reads
    // SYNTH_HCL_OUTPUT itself, and it is not set here: JSON.
    const env = { CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: "{}", SYNTH_HCL_OUTPUT: "false" };
    expect(synthesize(loadFixture(FIXTURE), { kind: "gitlab" }, outdir, env).hclOf).toBeUndefined();
    const written = JSON.parse(readFileSync(join(stackDir(outdir), "cdk.tf.json"), "utf8"));
    expect(written).toEqual(checked);
    expect(Object.keys(written.terraform.backend)).toEqual(["http"]);
    expect(JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")).stacks.cwiq.synthesizedStackPath).toBe("stacks/cwiq/cdk.tf.json");
    expect(readdirSync(stackDir(outdir))).toEqual(["cdk.tf.json"]);
  });
});

describe("one format per stack folder, whichever command wrote last", () => {
  it("cdktf synth --hcl after npm run synth: cdk.tf and its metadata, the JSON gone", () => {
    expect(hcl.before).toEqual(["cdk.tf.json"]);
    expect(readdirSync(stackDir(hcl.outdir)).sort()).toEqual(["cdk.tf", "metadata.json"]);
  });

  it("removes the other format only after the new one is written: a failed write leaves the folder as it was", () => {
    const dir = mkdtempSync(join(tmpdir(), "format-write-"));
    const [json, hclFile] = [join(dir, "cdk.tf.json"), join(dir, "cdk.tf")];
    writeFileSync(hclFile, "# the HCL\n");
    writeFileSync(json, "{}\n");
    // Someone else's write meanwhile (`expected` differs): nothing is written, and the HCL stays.
    expect(() => writeFilesAtomic([{ file: json, text: "{ }\n", expected: "other\n" }], [hclFile])).toThrow(FileWriteError);
    expect(readdirSync(dir).sort()).toEqual(["cdk.tf", "cdk.tf.json"]);
    writeFilesAtomic([{ file: json, text: "{ }\n" }], [hclFile, join(dir, "metadata.json")]);
    expect(readdirSync(dir)).toEqual(["cdk.tf.json"]);
    expect(readFileSync(json, "utf8")).toBe("{ }\n");
  });

  it("npm run synth after cdktf synth --hcl: cdk.tf.json, the HCL and its metadata gone", () => {
    const outdir = join(mkdtempSync(join(tmpdir(), "cdktf-after-hcl-")), "cdktf.out");
    cpSync(hcl.outdir, outdir, { recursive: true });
    synthesize(loadFixture(FIXTURE), { kind: "gitlab" }, outdir, {});
    expect(readdirSync(stackDir(outdir))).toEqual(["cdk.tf.json"]);
    expect(JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")).stacks.cwiq.synthesizedStackPath).toBe("stacks/cwiq/cdk.tf.json");
  });
});

describe("cdktf synth --hcl", () => {
  it("exits 0 and writes cdk.tf with the metadata the CLI reads", () => {
    expect({ code: hcl.code, output: hcl.output }).toEqual({ code: 0, output: expect.stringContaining("-> " + join(stackDir(hcl.outdir), "cdk.tf")) });
    expect(JSON.parse(readFileSync(join(hcl.outdir, "manifest.json"), "utf8")).stacks.cwiq.synthesizedStackPath).toBe("stacks/cwiq/cdk.tf");
    expect(existsSync(join(stackDir(hcl.outdir), "metadata.json"))).toBe(true);
  });

  it("parses as HCL and means exactly the checked JSON: resources, variables, outputs, providers, terraform, imports, removed", async () => {
    const parsed = await parseHcl("cdk.tf", hclText);
    const [fromHcl, fromJson] = [comparableTerraform(parsed), comparableTerraform(checked)];
    expect(Object.keys(fromHcl).sort()).toEqual(["import", "output", "provider", "removed", "resource", "terraform", "variable"]);
    expect(differences(fromHcl, fromJson)).toEqual([]);
    expect(fromHcl).toEqual(fromJson);
  });

  it("has one backend, required_version, and every import and removed block of the fixture", () => {
    expect(hclText.match(/^\s*backend "/gm)).toEqual(['  backend "']);
    expect(hclText).toContain('backend "http" {');
    expect(hclText).toMatch(/^ {2}required_version = ">= 1\.11\.0"$/m);
    expect(hclText.match(/^import \{$/gm)).toHaveLength(checked.import?.length ?? -1);
    expect(checked.import?.length).toBeGreaterThan(5);
    expect(hclText.match(/^removed \{$/gm)).toHaveLength(3);
    expect(hclText).toContain("removed {\n  from = vault_mount.kv\n  lifecycle {\n    destroy = false\n  }\n}");
  });

  it("writes ignore_changes as attribute names, never as quoted references (deprecated in Terraform)", async () => {
    const lists: unknown[] = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value !== null && typeof value === "object")
        for (const [key, inner] of Object.entries(value)) key === "ignore_changes" ? lists.push(inner) : collect(inner);
    };
    collect(await parseHcl("cdk.tf", hclText));
    const secrets = Object.keys(checked.resource?.vault_kv_secret_v2 ?? {}).length;
    expect(secrets).toBeGreaterThan(0);
    expect(lists).toHaveLength(secrets);
    // hcl2json reads a bare name as "${cas}" and a quoted reference as "cas".
    for (const list of lists) expect(list).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\{[a-z_]+\}$/)]));
    expect(lists.flat().filter((name) => !/^\$\{[a-z_]+\}$/.test(String(name)))).toEqual([]);
    expect(hclText).not.toMatch(/ignore_changes = \[[^\]]*"/);
  });

  it("writes policies as heredocs with their exact text", () => {
    const policy = (checked.resource?.vault_policy?.["kv-read_secret_nexus_svc-deployer"] as { policy: string } | undefined)?.policy;
    expect(policy).toMatch(/^# Read-only access/);
    expect(hclText).toContain(`policy = <<EOF\n${policy}EOF\n`);
  });
});

describe("the repair of cdktf's HCL (lib/synth/stack-hcl.ts)", () => {
  it("removes cdktf's terraform block whatever braces its strings hold, and nothing else", () => {
    const cdktf = 'terraform {\nrequired_providers {\nvault = {\nsource = "a}{"\n}\n}\n0 = "required_version"\n}\nprovider "vault" {\n}\n';
    expect(withoutTerraformBlock(cdktf)).toBe('\nprovider "vault" {\n}\n');
    expect(withoutTerraformBlock('provider "vault" {\n}\n')).toBe('provider "vault" {\n}\n');
    expect(() => withoutTerraformBlock("terraform {\n{\n")).toThrow("has no end");
  });

  it("gives heredocs back their text: the surplus newline goes, a text without a final newline becomes a quoted string", () => {
    expect(exactHeredocs('a = <<EOF\npath "x" {\n}\n\nEOF\nb = 1')).toBe('a = <<EOF\npath "x" {\n}\nEOF\nb = 1');
    expect(exactHeredocs('a = <<EOF\nline 1\nline "2"\nEOF\n')).toBe('a = "line 1\\nline \\"2\\""\n');
  });

  it("writes plain ignore_changes names bare, in a list on one line or many, and leaves anything else as it is", () => {
    expect(bareIgnoreChanges('    ignore_changes = [\n      "custom_metadata",\n      "cas",\n    ]\n')).toBe(
      "    ignore_changes = [\n      custom_metadata,\n      cas,\n    ]\n",
    );
    expect(bareIgnoreChanges('  ignore_changes = ["a", "b_c"]\n')).toBe("  ignore_changes = [a, b_c]\n");
    expect(bareIgnoreChanges('  ignore_changes = ["tags[\\"x\\"]"]\n  description = "ignore_changes"\n')).toBe(
      '  ignore_changes = ["tags[\\"x\\"]"]\n  description = "ignore_changes"\n',
    );
  });

  it("reports where HCL and JSON differ", () => {
    const tf = { resource: { vault_policy: { p: [{ policy: "a\n" }] } }, variable: { v: { type: "string" } } };
    expect(
      differences(
        comparableTerraform(tf),
        comparableTerraform({ resource: { vault_policy: { p: { policy: "a\n\n" } } }, variable: { v: { type: "${string}" } } }),
      ),
    ).toEqual(['resource.vault_policy.p.policy: "a\\n" in the HCL, "a\\n\\n" in the JSON']);
  });

  it("refuses HCL that does not parse or means something else, and removes the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hcl-check-"));
    const file = join(dir, "cdk.tf");
    // cdktf's quoting escapes no backslash: a text with one is not valid HCL.
    writeFileSync(file, 'output "o" {\n  value = "a \\ b"\n}\n');
    await expect(checkHclFile(file, { output: { o: { value: "a \\ b" } } })).rejects.toThrow(
      /does not mean the checked JSON, so .*cdk\.tf was removed:\n {2}not valid HCL: .*Invalid escape sequence/,
    );
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, 'output "o" {\n  value = "a"\n}\n');
    await expect(checkHclFile(file, { output: { o: { value: "b" } } })).rejects.toThrow('output.o.value: "a" in the HCL, "b" in the JSON');
    expect(existsSync(file)).toBe(false);
    writeFileSync(file, 'output "o" {\n  value = "a"\n}\n');
    await expect(checkHclFile(file, { output: { o: { value: "a" } } })).resolves.toBeUndefined();
    expect(existsSync(file)).toBe(true);
  });

  it("keeps the stack's JSON while the HCL is refused, and removes it once the HCL is accepted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hcl-format-"));
    const [file, json] = [join(dir, "cdk.tf"), join(dir, "cdk.tf.json")];
    writeFileSync(json, "{}\n");
    writeFileSync(file, 'output "o" {\n  value = "a"\n}\n');
    await expect(checkHclFile(file, { output: { o: { value: "b" } } })).rejects.toThrow("was removed");
    expect(readdirSync(dir)).toEqual(["cdk.tf.json"]);
    writeFileSync(file, 'output "o" {\n  value = "a"\n}\n');
    await checkHclFile(file, { output: { o: { value: "a" } } });
    expect(readdirSync(dir)).toEqual(["cdk.tf"]);
  });

  it("knows the cdktf CLI by the variables it sets for the app, and npm run synth by their absence", () => {
    expect(calledByCdktfCli({ CDKTF_CONTEXT_JSON: "{}", SYNTH_HCL_OUTPUT: "false", CDKTF_OUTDIR: "cdktf.out" })).toBe(true);
    expect(calledByCdktfCli({ SYNTH_HCL_OUTPUT: "true" })).toBe(true);
    expect(calledByCdktfCli({ CDKTF_OUTDIR: "elsewhere" })).toBe(false);
    expect(calledByCdktfCli({})).toBe(false);
  });
});
