// One synth of a data file, timed phase by phase, in this process. Prints one JSON line. Used by scripts/bench.ts.
//   node scripts/run.mjs scripts/bench-phases.ts <data file> <outdir>
import { performance } from "node:perf_hooks";
import { App } from "cdktf";
import { join, dirname } from "node:path";
import { loadSource } from "../lib/synth/cli";
import { VaultCiAccessStack } from "../constructs/access-stack";
import { checkConfiguration } from "../rules";
import { writeSynthesized } from "../lib/synth/synth";
import { StackJsonBuilder } from "../lib/synth/stack-json";
import { skipCreationStackTraces } from "../lib/synth/creation-stacks";
import { renderAccessReport } from "../lib/review/access-report";
import { diffTerraform } from "../lib/review/access-diff";

const [file, outdir] = process.argv.slice(2);
skipCreationStackTraces(); // as the synth command does
const times: Record<string, number> = {};
const phase = <T>(name: string, fn: () => T): T => {
  const start = performance.now();
  const result = fn();
  times[name] = performance.now() - start;
  return result;
};

// The generated data's trust anchors, written beside it by scripts/bench.ts, given explicitly (as --trust does).
const source = phase("load+validate", () => loadSource(file, join(dirname(file), "trust.yaml")));
const app = new App({ outdir });
// As the synth builds it: each account's constructs are rendered into the JSON and dropped as they are built.
const builder = new StackJsonBuilder();
const { stack, tf } = phase("construct+JSON", () => {
  const built = new VaultCiAccessStack(app, source.config.stack, { config: source.config, completed: builder.release });
  return { stack: built, tf: builder.finish(built) };
});
const report = phase("guardrails", () => checkConfiguration({ ...source, tf }));
phase("write", () => writeSynthesized(app, stack, tf));
phase("access report", () => renderAccessReport(tf));
const base = structuredClone(tf);
phase("access diff", () => diffTerraform(base, tf));
const resources = Object.values(tf.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
console.log(JSON.stringify({ times, resources, violations: report.violations.length, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
