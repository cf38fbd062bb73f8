// `npm run rules`: rewrites the rule table of docs/RULES.md from the rule pack and the attack corpus's counts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { DOCUMENTED_RULES } from "../rules";
import { withRuleTable, type AttackSummary } from "../rules/table";
import { writeFileAtomic } from "../lib/synth/atomic-write";
import { answerHelp, exitWithError, UsageError } from "../lib/synth/cli";

const HELP = `usage: npm run rules

Rewrites the guardrail table in docs/RULES.md (between its rules:start and rules:end markers) from the rule pack in
rules/index.ts and the attack corpus's counts (test/fixtures/attacks/attacks.yaml), whole or not at all. A test fails
while the table is stale. Takes no options.

options:
  -h, --help   this help

exit codes:
  0  rewritten
  1  an argument other than --help, or docs/RULES.md cannot be read or written`;

const args = process.argv.slice(2);
answerHelp(args, HELP);
try {
  if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}: it takes none (--help for help)`);
  const root = join(__dirname, "..");
  const rulesDoc = join(root, "docs", "RULES.md");
  const attacks = parse(readFileSync(join(root, "test", "fixtures", "attacks", "attacks.yaml"), "utf8")) as AttackSummary[];
  writeFileAtomic(rulesDoc, withRuleTable(readFileSync(rulesDoc, "utf8"), DOCUMENTED_RULES, attacks));
  console.log(`docs/RULES.md: rule table rewritten (${DOCUMENTED_RULES.length} rules, ${attacks.length} attacks)`);
} catch (error) {
  exitWithError(error, "rules");
}
