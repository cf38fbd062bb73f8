// `npm run rules`: rewrites the README's rule table from the rule pack and the attack corpus's counts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { DOCUMENTED_RULES } from "../rules";
import { withRuleTable, type AttackSummary } from "../rules/table";

const root = join(__dirname, "..");
const readme = join(root, "README.md");
const attacks = parse(readFileSync(join(root, "test", "fixtures", "attacks", "attacks.yaml"), "utf8")) as AttackSummary[];
writeFileSync(readme, withRuleTable(readFileSync(readme, "utf8"), DOCUMENTED_RULES, attacks));
console.log(`README.md: rule table rewritten (${DOCUMENTED_RULES.length} rules, ${attacks.length} attacks)`);
