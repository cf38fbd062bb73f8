// Runs a TypeScript entry point of this repository in this process, fast: esbuild compiles it into one file under
// dist/ (about 20 ms, only when one of its sources changed), then Node runs it. ts-node would type-check on every
// start (seconds); type-checking is `npm test`'s job. Usage: node scripts/run-ts.mjs <entry.ts> [args...]
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

/** Bundles `entry` (relative to the repository root) when stale and runs it; its argv is what follows the entry. */
export function runTs(entry) {
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    process.stderr.write("usage: node scripts/run-ts.mjs <entry.ts> [args...]\n");
    process.exit(2);
  }
  process.argv = [process.argv[0], join(root, entry), ...args];
  runTs(entry);
}
