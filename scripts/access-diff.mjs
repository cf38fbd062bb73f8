// `npm run access:diff -- <base>`: the access change against a base (scripts/access-diff.ts, bundled by run-bundled.mjs).
import { runBundled } from "./run-bundled.mjs";

runBundled("scripts/access-diff.ts");
