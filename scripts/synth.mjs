// Runs main.ts in this process, fast: esbuild compiles the app into one file (about 20 ms, only when a source
// changed), then Node runs it. ts-node would type-check on every start (seconds); type-checking is `npm test`'s job.
import { buildSync } from "esbuild";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "main.js");

function newestSource() {
  let newest = 0;
  for (const dir of ["", "lib", "constructs"]) {
    for (const name of readdirSync(join(root, dir))) {
      if (name.endsWith(".ts")) newest = Math.max(newest, statSync(join(root, dir, name)).mtimeMs);
    }
  }
  return newest;
}

let built = 0;
try {
  built = statSync(bundle).mtimeMs;
} catch {}
if (built < newestSource()) {
  buildSync({
    entryPoints: [join(root, "main.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    logLevel: "warning",
  });
}
createRequire(import.meta.url)(bundle);
