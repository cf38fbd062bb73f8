/** Builds the stack from a data file, runs the guardrails, and only then writes cdktf.out. */
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { App } from "cdktf";
import type { DataFile } from "./config";
import { VaultCiAccessStack, type StateBackend } from "../constructs/access-stack";
import { checkConfiguration } from "../rules";
import { formatViolation, type RuleReport } from "../rules/rule";
import type { TerraformJson } from "../rules/terraform-json";

export interface SynthResult {
  readonly outdir: string;
  readonly stackFile: string;
  readonly report: RuleReport;
  /** How many import blocks the stack declares (adoption mode). */
  readonly imports: number;
}

/** Guardrail violations: synth refuses to write. `message` has one line per violation. */
export class GuardrailError extends Error {
  constructor(
    readonly report: RuleReport,
    readonly file: string,
    readonly stackFile: string,
  ) {
    super(report.violations.map((v) => formatViolation(v, file, stackFile)).join("\n"));
    this.name = "GuardrailError";
  }
}

/** The stack's Terraform JSON and the guardrails' verdict on it, without writing anything. */
export function buildAndCheck(source: DataFile, app: App, backend: StateBackend): { stack: VaultCiAccessStack; tf: TerraformJson; report: RuleReport } {
  const stack = new VaultCiAccessStack(app, source.config.stack, { config: source.config, backend });
  const tf = stack.toTerraform() as TerraformJson;
  return { stack, tf, report: checkConfiguration({ file: source.file, config: source.config, data: source.data, tf }) };
}

/** buildAndCheck in memory, for commands that only need the JSON and the verdict (cdktf.out is never touched). */
export function checkInMemory(source: DataFile, backend: StateBackend = { kind: "local" }): { tf: TerraformJson; report: RuleReport } {
  // An App creates its outdir unless it exists: the system's temp folder always does, and nothing is synthesized into it.
  const { tf, report } = buildAndCheck(source, new App({ outdir: tmpdir() }), backend);
  return { tf, report };
}

export function synthesize(source: DataFile, backend: StateBackend): SynthResult {
  const outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stackFile = `${outdir}/stacks/${source.config.stack}/cdk.tf.json`;
  const existed = existsSync(outdir);
  // cdktf's App creates its outdir at once; a refused synth removes it again if it did not exist before.
  const app = new App({ outdir });
  try {
    const { tf, report } = buildAndCheck(source, app, backend);
    if (report.violations.length > 0) throw new GuardrailError(report, source.file, stackFile);
    app.synth();
    return { outdir, stackFile, report, imports: tf.import?.length ?? 0 };
  } catch (error) {
    if (!existed) rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}
