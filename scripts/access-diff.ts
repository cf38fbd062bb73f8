/**
 * `npm run access:diff -- <base>`: the access change from a base (a git revision, never a path) to this checkout, as
 * a Markdown merge-request note. The environment goes along: in GitLab CI the base must be the merge base.
 * Exit 0: no change, or only narrowing/neutral ones; 3: access widens; 1: an error (bad base, bad data).
 */
import { answerHelp, exitWithError } from "../lib/synth/cli";
import { ACCESS_HELP, runAccessDiff } from "../lib/review/access-cli";

answerHelp(process.argv.slice(2), ACCESS_HELP["access:diff"]);

try {
  const { note, exitCode } = runAccessDiff(process.argv.slice(2), process.env);
  process.stdout.write(note);
  process.exitCode = exitCode;
} catch (error) {
  exitWithError(error, "access:diff");
}
