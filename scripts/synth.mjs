// `npm run synth` and the cdktf CLI's app command: main.ts, bundled and run in this process by scripts/run.mjs.
import { createRequire } from "node:module";
import { bundle } from "./run.mjs";

createRequire(import.meta.url)(bundle("main.ts"));
