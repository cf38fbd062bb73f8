/** `npm run account:add`: lib/account-add.ts on the real file system and process. */
import { writeFileSync } from "node:fs";
import { runAccountAdd } from "../lib/account-add";
import { readDataFileText } from "../lib/config";

const { code, stdout, stderr } = runAccountAdd(process.argv.slice(2), { read: readDataFileText, write: (file, text) => writeFileSync(file, text), env: process.env });
process.stdout.write(stdout);
process.stderr.write(stderr);
process.exitCode = code;
