// Runs a TypeScript entry point of this repository in-process, fast: esbuild bundles it, with the packages it uses,
// into dist/<name>.js (a fraction of a second, only when one of its sources or packages changed), then Node runs the
// bundle; the synth and the package.json commands share one bundle, dist/commands.js (scripts/commands.ts says why).
// ts-node would type-check on every start (seconds); type-checking is `npm test`'s job. One bundled file starts about
// 80 ms sooner than the same code as some 500 modules that Node resolves and reads one by one (cdktf
// alone is 370): `npm run synth` 0.36 s -> 0.28 s (BENCHMARKS.md).
//   node scripts/run.mjs <entry.ts> [args...]
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { basename, dirname, join, relative } from "node:path";
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

/**
 * Bundles `entry` (relative to the repository root) unless its bundle is newer than every source it was built from.
 * Commands started together after an edit (npm test starts six) build it once: the first takes a lock (a folder beside
 * the bundle), the others say that they wait, wait for the lock to go, and then find the bundle fresh. A lock older
 * than a minute was left by a build that died (one takes about a second) and is taken over.
 */
export function bundle(entry) {
  const name = basename(entry, ".ts");
  const outfile = join(root, "dist", `${name}.js`);
  const inputsFile = join(root, "dist", `${name}.inputs.json`);
  const isStale = () => {
    const built = mtime(outfile);
    if (built === Infinity) return true;
    try {
      return JSON.parse(readFileSync(inputsFile, "utf8")).some((file) => mtime(join(root, file)) > built);
    } catch {
      return true;
    }
  };
  if (!isStale()) return outfile;
  mkdirSync(dirname(outfile), { recursive: true });
  const lock = `${outfile}.lock`;
  let told = false;
  for (;;) {
    if (tryMkdir(lock)) {
      try {
        if (isStale()) build(entry, outfile, inputsFile);
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      return outfile;
    }
    if (!told) process.stderr.write(`Waiting for another command's build of ${relative(root, outfile)} (lock ${relative(root, lock)})\n`);
    told = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    if (mtime(lock) === Infinity && !isStale()) return outfile;
    if (Date.now() - mtime(lock) > 60_000) rmSync(lock, { recursive: true, force: true });
  }
}

/** Creates folder `dir`; false when it exists already (another process holds the lock it stands for). */
function tryMkdir(dir) {
  try {
    mkdirSync(dir);
    return true;
  } catch (e) {
    if (e.code === "EEXIST") return false;
    throw e;
  }
}

/** esbuild's bundle of `entry` into `outfile`, with the list of its inputs beside it. */
function build(entry, outfile, inputsFile) {
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
  // Written whole, by rename (into dist/, which bundle() made): another run may be loading the previous bundle.
  for (const { path, contents } of outputFiles) writeWhole(path, contents);
  // Every file bundled, packages included, so that the next run knows when to rebuild (an npm install changes them).
  // npm rewrites node_modules/.package-lock.json on every install that changes a package (whatever the files' mtimes).
  writeWhole(inputsFile, JSON.stringify([...Object.keys(metafile.inputs), "node_modules/.package-lock.json"]));
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
  return module.exports;
}

/** The commands served by the one bundle of scripts/commands.ts (it says why): their entry files, as COMMANDS lists them. */
export const COMMAND_ENTRIES = [
  "main.ts",
  "scripts/account-add.ts",
  "scripts/access.ts",
  "scripts/access-diff.ts",
  "scripts/ci-template.ts",
  "scripts/rules-table.ts",
];

/** Runs entry point `entry` (relative to the repository root): from the commands' bundle when it is one of them, else from its own. */
export function runEntry(entry) {
  if (!COMMAND_ENTRIES.includes(entry)) return runBundle(bundle(entry));
  const { COMMANDS } = runBundle(bundle("scripts/commands.ts"));
  if (!COMMANDS[entry]) throw new Error(`scripts/commands.ts has no ${entry}: it and COMMAND_ENTRIES in scripts/run.mjs must list the same entries`);
  return COMMANDS[entry]();
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
  runEntry(entry);
}
