/** `npm run access`: prints what the synthesized configuration grants, and writes it to ACCESS.md. */
import { answerHelp, exitWithError } from "../lib/synth/cli";
import { writeFileAtomic } from "../lib/synth/atomic-write";
import { ACCESS_HELP, runAccessReport } from "../lib/review/access-cli";

answerHelp(process.argv.slice(2), ACCESS_HELP.access);

try {
  const { report, out } = runAccessReport(process.argv.slice(2), process.env);
  process.stdout.write(report);
  if (out) {
    writeFileAtomic(out, report);
    process.stderr.write(`access: wrote ${out}\n`);
  }
} catch (error) {
  exitWithError(error, "access");
}
