// Runs a TypeScript entry point of this repository in-process, fast: esbuild bundles it, with the packages it uses,
// into dist/<name>.js (a fraction of a second, only when one of its sources or packages changed), then Node runs the
// bundle. ts-node would type-check on every start (seconds); type-checking is `npm test`'s job. One bundled file
// starts about 80 ms sooner than the same code as some 500 modules that Node resolves and reads one by one (cdktf
// alone is 370): `npm run synth` 0.36 s -> 0.28 s (BENCHMARKS.md).
//   node scripts/run.mjs <entry.ts> [args...]
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

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
    rmSync(`${outfile}.cache`, { force: true });
    // Loaded only to rebuild: a run with a fresh bundle does not pay for esbuild.
    const { buildSync } = createRequire(import.meta.url)("esbuild");
    const { metafile, outputFiles } = buildSync({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      metafile: true,
      write: false,
      // Loads its HCL parser (WebAssembly) from files beside its own module: required from node_modules at run time.
      external: ["@cdktf/hcl2json"],
      absWorkingDir: root,
      logLevel: "warning",
    });
    // Written whole, by rename: another run (two commands at once) may be loading the previous bundle meanwhile.
    mkdirSync(dirname(outfile), { recursive: true });
    for (const { path, contents } of outputFiles) writeWhole(path, contents);
    // Every file bundled, packages included, so that the next run knows when to rebuild (an npm install changes them).
    // npm rewrites node_modules/.package-lock.json on every install that changes a package (whatever the files' mtimes).
    writeWhole(inputsFile, JSON.stringify([...Object.keys(metafile.inputs), "node_modules/.package-lock.json"]));
  }
  return outfile;
}

/**
 * Runs a bundle as a CommonJS module, with V8's code cache for it in dist/<name>.js.cache: what a previous run
 * compiled is not parsed and compiled again (about 50 ms of `npm run synth`; Node 22's module.enableCompileCache does
 * the same, Node 20 has no such switch). The cache is written after a run that had none or whose cache V8 refused
 * (another Node version), and removed when the bundle is rebuilt.
 */
export function runBundle(outfile) {
  const cacheFile = `${outfile}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(outfile, "utf8")), { filename: outfile, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(outfile), module, outfile, dirname(outfile));
  // Atomic: another run may read the cache while this one writes it.
  if (!cachedData || script.cachedDataRejected) writeWhole(cacheFile, script.createCachedData());
}

/** Writes `file` through a temporary file beside it and a rename: readers see the old file or the new one. */
function writeWhole(file, data) {
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    console.error("usage: node scripts/run.mjs <entry.ts> [args...]");
    process.exit(2);
  }
  process.argv = [process.argv[0], join(root, entry), ...args];
  runBundle(bundle(entry));
}
