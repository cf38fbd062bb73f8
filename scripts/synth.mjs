// `npm run synth` (and cdktf.json's app): main.ts, built and run in process by run-typescript.mjs (~0.3 s).
import { runTypeScript } from "./run-typescript.mjs";

runTypeScript("main.ts");
