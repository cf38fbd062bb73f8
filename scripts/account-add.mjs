// `npm run account:add -- svc-<name> ...`: scripts/account-add.ts, built and run in process like synth.
import { runTypeScript } from "./run-typescript.mjs";

runTypeScript("scripts/account-add.ts");
