// `npm run rules`: rewrites the README's rule table from the rule pack.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULES, suppressionsApply } from "../rules";
import { withRuleTable } from "../rules/table";

const readme = join(__dirname, "..", "README.md");
writeFileSync(readme, withRuleTable(readFileSync(readme, "utf8"), [...RULES, suppressionsApply]));
console.log(`README.md: rule table rewritten (${RULES.length + 1} rules)`);
