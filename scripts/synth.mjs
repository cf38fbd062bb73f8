// `npm run synth`: runs main.ts in this process (scripts/run-ts.mjs bundles it with esbuild when a source changed).
import { runTs } from "./run-ts.mjs";

runTs("main.ts");
