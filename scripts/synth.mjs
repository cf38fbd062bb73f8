// Runs main.ts in this process, fast: esbuild compiles the app into one file (about 20 ms, only when one of its
// sources changed), then Node runs it. ts-node would type-check on every start (seconds); type-checking is
// `npm test`'s job.
import { buildSync } from "esbuild";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bundle = join(root, "dist", "main.js");
const inputsFile = join(root, "dist", "main.inputs.json");

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
};

function isStale() {
  const built = mtime(bundle);
  if (built === Infinity) return true;
  try {
    return JSON.parse(readFileSync(inputsFile, "utf8")).some((file) => mtime(join(root, file)) > built);
  } catch {
    return true;
  }
}

if (isStale()) {
  const { metafile } = buildSync({
    entryPoints: [join(root, "main.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    packages: "external",
    metafile: true,
    absWorkingDir: root,
    logLevel: "warning",
  });
  // The app's own sources, so that the next run knows when to rebuild.
  writeFileSync(inputsFile, JSON.stringify(Object.keys(metafile.inputs)));
}
createRequire(import.meta.url)(bundle);
