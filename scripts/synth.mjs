// `npm run synth` (and cdktf.json's app): runs main.ts in this process, bundled by esbuild (see run-bundled.mjs).
import { runBundled } from "./run-bundled.mjs";

runBundled("main.ts");
