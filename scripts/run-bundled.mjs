// Runs a TypeScript entry point in this process, fast: esbuild compiles it into one file under dist/ (about 20 ms,
// only when one of its sources changed), then Node runs it. ts-node would type-check on every start (seconds);
// type-checking is `npm test`'s job. Used by synth.mjs, access.mjs and access-diff.mjs.
import { buildSync } from "esbuild";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join } from "node:path";
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

/** `main.ts` -> builds dist/main.js if needed, then runs it. `entry` is relative to the repository root. */
export function runBundled(entry) {
  const name = basename(entry, extname(entry));
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
