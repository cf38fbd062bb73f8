/** `npm run account:add`: lib/operations/account-add.ts on the real file system and process. */
import { runAccountAdd, updateDataFile } from "../lib/operations/account-add";

const { code, stdout, stderr } = runAccountAdd(process.argv.slice(2), { update: updateDataFile, env: process.env });
process.stdout.write(stdout);
process.stderr.write(stderr);
process.exitCode = code;
