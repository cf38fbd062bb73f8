// Runs a TypeScript entry point of this project in this process, fast: esbuild compiles it into one file (about
// 20 ms, only when one of its sources changed), then Node runs it. ts-node would type-check on every start
// (seconds); type-checking is `npm test`'s job.
import { buildSync } from "esbuild";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
};

function isStale(bundle, inputsFile) {
  const built = mtime(bundle);
  if (built === Infinity) return true;
  try {
    return JSON.parse(readFileSync(inputsFile, "utf8")).some((file) => mtime(join(root, file)) > built);
  } catch {
    return true;
  }
}

/** Builds `entry` (relative to the repository root, e.g. "main.ts") into dist/<name>.js if stale, and runs it. */
export function runTypeScript(entry) {
  const name = basename(entry, ".ts");
  const bundle = join(root, "dist", `${name}.js`);
  const inputsFile = join(root, "dist", `${name}.inputs.json`);
  if (isStale(bundle, inputsFile)) {
    const { metafile } = buildSync({
      entryPoints: [join(root, entry)],
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
    // The entry's own sources, so that the next run knows when to rebuild.
    writeFileSync(inputsFile, JSON.stringify(Object.keys(metafile.inputs)));
  }
  createRequire(import.meta.url)(bundle);
}
