// `npm run rules`: rewrites the README's rule table from the rule pack.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RULES, suppressionsApply } from "../rules";
import { withRuleTable } from "../rules/table";
import { writeFileAtomic } from "../lib/atomic-write";
import { answerHelp, exitWithError, UsageError } from "../lib/cli";

const HELP = `usage: npm run rules

Rewrites the guardrail table in README.md (between its rules:start and rules:end markers) from the rule pack in
rules/index.ts, whole or not at all. A test fails while the table is stale. Takes no options.

options:
  -h, --help   this help

exit codes:
  0  rewritten
  1  an argument other than --help, or README.md cannot be read or written`;

const args = process.argv.slice(2);
answerHelp(args, HELP);
try {
  if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}: it takes none (--help for help)`);
  const readme = join(__dirname, "..", "README.md");
  writeFileAtomic(readme, withRuleTable(readFileSync(readme, "utf8"), [...RULES, suppressionsApply]));
  console.log(`README.md: rule table rewritten (${RULES.length + 1} rules)`);
} catch (error) {
  exitWithError(error, "rules");
}
