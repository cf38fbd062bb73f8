// Runs a TypeScript entry point of this repository in-process, fast: esbuild bundles it into dist/<name>.js
// (about 20 ms, only when one of its sources changed), then Node runs the bundle. ts-node would type-check on
// every start (seconds); type-checking is `npm test`'s job.
//   node scripts/run.mjs <entry.ts> [args...]
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

/** Bundles `entry` (relative to the repository root) unless its bundle is newer than every source it was built from. */
export function bundle(entry) {
  const name = basename(entry, ".ts");
  const outfile = join(root, "dist", `${name}.js`);
  const inputsFile = join(root, "dist", `${name}.inputs.json`);
  const built = mtime(outfile);
  let stale = built === Infinity;
  if (!stale) {
    try {
      stale = JSON.parse(readFileSync(inputsFile, "utf8")).some((file) => mtime(join(root, file)) > built);
    } catch {
      stale = true;
    }
  }
  if (stale) {
    const { metafile } = buildSync({
      entryPoints: [join(root, entry)],
      outfile,
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
  return outfile;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error("usage: node scripts/run.mjs <entry.ts> [args...]");
    process.exit(2);
  }
  process.argv = [process.argv[0], join(root, entry), ...args];
  createRequire(import.meta.url)(bundle(entry));
}
