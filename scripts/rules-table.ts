// `npm run rules`: rewrites the README's rule table from the rule pack.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCUMENTED_RULES } from "../rules";
import { withRuleTable } from "../rules/table";

const readme = join(__dirname, "..", "README.md");
writeFileSync(readme, withRuleTable(readFileSync(readme, "utf8"), DOCUMENTED_RULES));
console.log(`README.md: rule table rewritten (${DOCUMENTED_RULES.length} rules)`);
