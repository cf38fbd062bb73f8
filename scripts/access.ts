/** `npm run access`: prints what the synthesized configuration grants, and writes it to ACCESS.md. */
import { writeFileSync } from "node:fs";
import { exitWithError } from "../lib/cli";
import { runAccessReport } from "../lib/access-cli";

try {
  const { report, out } = runAccessReport(process.argv.slice(2), process.env);
  process.stdout.write(report);
  if (out) {
    writeFileSync(out, report);
    process.stderr.write(`access: wrote ${out}\n`);
  }
} catch (error) {
  exitWithError(error, "access");
}
