/**
 * `npm run access:diff -- <base>`: the access change from a base to this checkout, as a Markdown merge-request note.
 * Exit 0: no change, or only narrowing/neutral ones; 3: access widens; 1: an error (bad base, bad data).
 */
import { exitWithError } from "../lib/cli";
import { currentStack, loadBase, parseAccessArgs } from "../lib/access-cli";
import { diffTerraform, exitCodeFor, renderAccessDiff } from "../lib/access-diff";

try {
  const args = parseAccessArgs(process.argv.slice(2), "access:diff");
  const current = currentStack(args, process.env);
  const base = loadBase(args.base!, args, current.stackName);
  const changes = diffTerraform(base.tf, current.tf);
  process.stdout.write(renderAccessDiff(changes, base.label));
  process.exitCode = exitCodeFor(changes);
} catch (error) {
  exitWithError(error, "access:diff");
}
