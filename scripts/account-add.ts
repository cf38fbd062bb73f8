/** Adds a Nexus service account to the data file (lib/account-add.ts), then prints the next steps. */
import { writeFileSync } from "node:fs";
import { addAccount, parseAccountAddArgs } from "../lib/account-add";
import { readDataFileText } from "../lib/config";
import { configFileFrom, exitWithError } from "../lib/cli";

try {
  const { request, configFile } = parseAccountAddArgs(process.argv.slice(2));
  const file = configFile ?? configFileFrom([], process.env);
  const added = addAccount(readDataFileText(file), file, request);
  writeFileSync(file, added.text);
  console.log(added.nextSteps);
} catch (error) {
  exitWithError(error, "account:add");
}
