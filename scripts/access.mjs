// `npm run access`: writes ACCESS.md from the synthesized stack (scripts/access.ts, bundled by run-bundled.mjs).
import { runBundled } from "./run-bundled.mjs";

runBundled("scripts/access.ts");
