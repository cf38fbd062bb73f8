/** Builds the stack from a data file, runs the guardrails, and only then writes cdktf.out. */
import { existsSync, rmSync } from "node:fs";
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
export function buildAndCheck(source: DataFile, app: App, backend: StateBackend): { stack: VaultCiAccessStack; report: RuleReport } {
  const stack = new VaultCiAccessStack(app, source.config.stack, { config: source.config, backend });
  const tf = stack.toTerraform() as TerraformJson;
  return { stack, report: checkConfiguration({ file: source.file, config: source.config, data: source.data, tf }) };
}

/** `outdir` defaults to what the cdktf CLI asks for (CDKTF_OUTDIR), else cdktf.out. */
export function synthesize(source: DataFile, backend: StateBackend, outdir = process.env.CDKTF_OUTDIR ?? "cdktf.out"): SynthResult {
  const stackFile = `${outdir}/stacks/${source.config.stack}/cdk.tf.json`;
  const existed = existsSync(outdir);
  // cdktf's App creates its outdir at once; a refused synth removes it again if it did not exist before.
  const app = new App({ outdir });
  try {
    const { report } = buildAndCheck(source, app, backend);
    if (report.violations.length > 0) throw new GuardrailError(report, source.file, stackFile);
    app.synth();
    return { outdir, stackFile, report };
  } catch (error) {
    if (!existed) rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}
