/** `npm run access`: prints what the synthesized configuration grants, and writes it to ACCESS.md. */
import { writeFileSync } from "node:fs";
import { exitWithError } from "../lib/cli";
import { currentStack, parseAccessArgs, reportOutput } from "../lib/access-cli";
import { renderAccessReport } from "../lib/access-report";

try {
  const args = parseAccessArgs(process.argv.slice(2), "access");
  const report = renderAccessReport(currentStack(args, process.env).tf);
  process.stdout.write(report);
  const out = reportOutput(args, process.env);
  if (out) {
    writeFileSync(out, report);
    process.stderr.write(`access: wrote ${out}\n`);
  }
} catch (error) {
  exitWithError(error, "access");
}
