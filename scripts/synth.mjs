// `npm run synth` and the cdktf CLI's app command: main.ts, bundled and run in this process by scripts/run.mjs.
import { runEntry } from "./run.mjs";

runEntry("main.ts");
