// `npm run synth` and the cdktf CLI's app command: main.ts, bundled and run in this process by scripts/run.mjs.
import { bundle, runBundle } from "./run.mjs";

runBundle(bundle("main.ts"));
