/** Builds the stack from a data file, runs the guardrails, and only then writes cdktf.out. */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Manifest } from "cdktf";
import { removeSuperseded, writeFilesAtomic } from "./atomic-write";
import { otherFormatFiles } from "./stack-format";
import { stableJson, writeStableJson } from "./stable-json";
import type { Config, ConfigError, DataFile, Locator } from "../model/config";
import { formatPath, pathKeys } from "../model/path";
import { namesPlaceholder } from "../model/salvage";
import { VaultCiAccessStack, type StateBackend } from "../../constructs/access-stack";
import { checkConfiguration, suppressionsApply } from "../../rules";
import { type EntryRef, entryPathIn, formatViolation, type RuleReport, type Violation } from "../../rules/rule";
import type { TerraformJson } from "../../rules/terraform-json";
import { StackJsonBuilder } from "./stack-json";
import { blocks, isResource } from "../review/stack-diff";

export interface SynthResult {
  readonly outdir: string;
  readonly stackFile: string;
  readonly report: RuleReport;
  /** How many import blocks the stack declares (adoption mode). */
  readonly imports: number;
  /** Adoption mode: the resource instances no import block adopts, which the first plan creates (its "to add"). */
  readonly creates?: readonly string[];
  /** `cdktf synth --hcl`: the checked JSON, which the HCL in stackFile must mean (stack-hcl.ts checkHclFile). */
  readonly hclOf?: TerraformJson;
}

/** Guardrail violations: synth refuses to write. `message` has one line per violation. */
export class GuardrailError extends Error {
  constructor(
    readonly report: RuleReport,
    readonly file: string,
    readonly stackFile: string,
    locate?: Locator,
    config?: Config,
  ) {
    super(report.violations.map((v) => formatViolation(v, file, stackFile, locate, config && entryPathIn(config))).join("\n"));
    this.name = "GuardrailError";
  }
}

/** The stack, its Terraform JSON and the guardrails' verdict on it, without writing anything. */
export function buildAndCheck(
  source: DataFile,
  app: App,
  backend: StateBackend,
  { wholeTree = false }: { wholeTree?: boolean } = {},
): { stack: VaultCiAccessStack; tf: TerraformJson; report: RuleReport } {
  // Each account's constructs are rendered and dropped as soon as they are built (StackJsonBuilder.release), unless
  // cdktf's own app.synth() is to render the whole tree afterwards.
  const builder = new StackJsonBuilder();
  const stack = new VaultCiAccessStack(app, source.config.stack, { config: source.config, backend, ...(wholeTree ? {} : { completed: builder.release }) });
  const tf = builder.finish(stack);
  return { stack, tf, report: checkConfiguration({ file: source.file, config: source.config, data: source.data, tf, trust: source.trust }) };
}

/**
 * Writes what `app.synth()` writes for a single stack (cdk.tf.json with sorted keys, and manifest.json for the cdktf
 * CLI), from the JSON the guardrails checked. app.synth() would build and resolve it all over again, which is most of
 * the time at a few thousand resources (BENCHMARKS.md); a test proves the files are byte-identical.
 */
export function writeSynthesized(app: App, stack: VaultCiAccessStack, tf: TerraformJson): void {
  const manifest = app.manifest.forStack(stack);
  mkdirSync(join(app.outdir, manifest.workingDirectory), { recursive: true });
  const stackFile = join(app.outdir, manifest.synthesizedStackPath);
  // Both whole or neither (lib/synth/atomic-write.ts), where app.manifest.writeToFile() would write in place; then
  // the HCL of an earlier `cdktf synth --hcl` goes.
  writeFilesAtomic(
    [
      { file: stackFile, text: (write) => writeStableJson(tf, write) },
      { file: join(app.outdir, Manifest.fileName), text: stableJson(app.manifest.buildManifest()) },
    ],
    otherFormatFiles(stackFile),
  );
}

/**
 * The Terraform JSON that synth would write, checked by the same guardrails, without writing anything (for the
 * access report and diff). Refuses with GuardrailError on any violation, like synth.
 */
export function synthesizeInMemory(source: DataFile, backend: StateBackend = { kind: "gitlab" }): TerraformJson {
  return inScratchApp((app) => {
    const { tf, report } = buildAndCheck(source, app, backend);
    if (report.violations.length > 0)
      throw new GuardrailError(report, source.file, `cdktf.out/stacks/${source.config.stack}/cdk.tf.json`, source.locate, source.config);
    return tf;
  });
}

/**
 * `use` with an App whose outdir is this process's scratch folder: cdktf's App creates its outdir (and its stacks/
 * folder) at once, and cdktf.out is never touched. Nothing is written there (no app.synth()), so one folder serves
 * every in-memory synth of the process; it is made on first use and removed when the process exits. A folder per
 * call cost a mkdtemp and a recursive rm each time: about 0.5 s of CPU over npm test's hundreds of in-memory synths.
 */
function inScratchApp<T>(use: (app: App) => T): T {
  return use(new App({ outdir: scratchOutdir() }));
}

let scratch: string | undefined;
function scratchOutdir(): string {
  if (scratch === undefined || !existsSync(scratch)) {
    const dir = mkdtempSync(join(tmpdir(), "cwiq-synth-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    scratch = dir;
  }
  return scratch;
}

/**
 * The guardrails' findings on the part of an invalid data file that parsed (ConfigError.whatParsed), at their places
 * in the file as written, so that one run reports every problem: `violations` one line each, `notes` on what could
 * not be checked. A finding on a repaired field, or about a placeholder, is left out: the schema's problem covers it.
 */
export function checkWhatParsed(error: ConfigError, backend: StateBackend = { kind: "gitlab" }): { violations: string[]; notes: string[] } {
  const what = error.whatParsed;
  if (!what) return { violations: [], notes: [] };
  if ("why" in what) return { violations: [], notes: [`The guardrails did not run: ${what.why}.`] };
  const { source, salvaged } = what;
  try {
    const { report } = inScratchApp((app) => buildAndCheck(source, app, backend));
    const mapped = report.violations.flatMap((v): Violation[] => {
      if ((v.entry && salvaged.placeholders.has(v.entry.name)) || namesPlaceholder(v.message, salvaged.placeholders)) return [];
      // Whether a suppression is stale can only be judged on the file as written (its finding may sit on a repaired field).
      if (v.rule === suppressionsApply) return [];
      if (v.in !== "data") return [v];
      const path = salvaged.toOriginal(pathKeys(v.path));
      return salvaged.isRepaired(path) ? [] : [{ ...v, path: formatPath(path) }];
    });
    const stackFile = `cdktf.out/stacks/${salvaged.isRepaired(["stack"]) ? "<stack>" : source.config.stack}/cdk.tf.json`;
    const leftOut = salvaged.leftOut.length > 0 ? [`Not checked by the guardrails (they do not parse): ${salvaged.leftOut.join(", ")}.`] : [];
    const entryPath = (entry: EntryRef) => {
      const path = entryPathIn(source.config)(entry);
      return path && salvaged.toOriginal(path);
    };
    return { violations: mapped.map((v) => formatViolation(v, error.file, stackFile, source.locate, entryPath)), notes: leftOut };
  } catch (e) {
    return { violations: [], notes: [`The guardrails could not run on what parsed: ${(e as Error).message.split("\n")[0]}`] };
  }
}

/**
 * What a first plan against an empty state creates: every resource instance (one per `for_each` key, such as each
 * account's `terraform_data.account_guard["svc-x"]`) that no import block adopts. Sorted.
 */
export function createdByFirstPlan(tf: TerraformJson): string[] {
  const imported = new Set((tf.import ?? []).map((block) => block.to));
  return [...blocks({ resource: tf.resource } as TerraformJson).keys()].filter((address) => isResource(address) && !imported.has(address)).sort();
}

/**
 * True when the cdktf CLI runs this app (`cdktf synth`, `cdktf synth --hcl`, `cdktf diff`, ...): it always sets
 * CDKTF_CONTEXT_JSON, CDKTF_OUTDIR and SYNTH_HCL_OUTPUT for the app command
 * (cdktf-cli 0.21.0, @cdktf/cli-core/src/lib/synth-stack.ts, SynthStack.synth: `env: { ...env, CDKTF_OUTDIR: outdir,
 * [CONTEXT_ENV]: ..., SYNTH_HCL_OUTPUT: hcl.toString() }`). `npm run synth` sets none of them.
 */
export function calledByCdktfCli(env: NodeJS.ProcessEnv): boolean {
  return env.CDKTF_CONTEXT_JSON !== undefined || env.SYNTH_HCL_OUTPUT !== undefined;
}

/**
 * `outdir` defaults to what the cdktf CLI asks for (CDKTF_OUTDIR), else cdktf.out. Under the cdktf CLI the checked
 * stack is written by cdktf's own `app.synth()`, so that every mode of the CLI gets what it expects: `--hcl` (cdk.tf
 * and metadata.json, SYNTH_HCL_OUTPUT), the context it passes, its manifest. `npm run synth` keeps the fast writer.
 */
export function synthesize(
  source: DataFile,
  backend: StateBackend,
  outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out",
  env: NodeJS.ProcessEnv = process.env,
): SynthResult {
  const existed = existsSync(outdir);
  // cdktf's App creates its outdir at once; a refused synth removes it again if it did not exist before.
  // It reads SYNTH_HCL_OUTPUT and CDKTF_CONTEXT_JSON from process.env itself (cdktf 0.21.0, lib/app.ts constructor).
  const app = new App({ outdir });
  const stackFile = `${outdir}/stacks/${source.config.stack}/${app.manifest.stackFileName}`;
  try {
    const byCli = calledByCdktfCli(env);
    const { stack, tf, report } = buildAndCheck(source, app, backend, { wholeTree: byCli });
    if (report.violations.length > 0) throw new GuardrailError(report, source.file, stackFile, source.locate, source.config);
    if (byCli) {
      app.synth();
      // cdktf's own JSON (plain `cdktf synth`) replaces an earlier HCL now; its HCL only once checkHclFile accepts it.
      if (!app.hclOutput) removeSuperseded(otherFormatFiles(stackFile));
    } else writeSynthesized(app, stack, tf);
    return {
      outdir,
      stackFile,
      report,
      imports: tf.import?.length ?? 0,
      ...(source.config.adopt ? { creates: createdByFirstPlan(tf) } : {}),
      ...(app.hclOutput ? { hclOf: tf } : {}),
    };
  } catch (error) {
    if (!existed) rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}
