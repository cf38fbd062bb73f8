// The programs of the end-to-end tests (test/e2e/tools/<program>: a go.mod pinning one program, and tools.go importing
// its main package), built with `go build` from the Go module registry, once per machine, into a cache folder outside
// the repository:
//   ${E2E_TOOLS_CACHE:-${XDG_CACHE_HOME:-~/.cache}/cwiq-vault-ci-access/e2e-tools}/<program>-<key>/<binary>
// <key> hashes go.mod, go.sum, tools.go and `go version`: a changed pin or toolchain builds again, nothing else does.
// A build goes to a temporary folder beside the final one and is renamed into place when complete, so an interrupted
// build never leaves a half-written binary where the next run would take it.
//   node scripts/e2e-tools.mjs [program...]      build what is missing, print the versions (default: every program)
// Never downloads a release binary and never uses vendored or copied sources: `go build` of the pinned module only.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const TOOLS_DIR = join(root, "test", "e2e", "tools");
const INSTALL_HINT = 'docs/development.md "End-to-end tests" says how to install it';

/** A tool that cannot be had: the message says what is missing and how to get it. */
export class ToolError extends Error {}

export function cacheRoot(env = process.env) {
  return env.E2E_TOOLS_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "cwiq-vault-ci-access", "e2e-tools");
}

/** `go version`, or a ToolError naming what is missing. */
export function goVersion() {
  const result = spawnSync("go", ["version"], { encoding: "utf8" });
  if (result.error?.code === "ENOENT") {
    throw new ToolError(`the Go toolchain is not installed (no \`go\` on PATH). The end-to-end tests build Vault and OpenTofu from the Go module registry: install Go 1.24 or newer (https://go.dev/doc/install) and run again; ${INSTALL_HINT}.`);
  }
  if (result.status !== 0) throw new ToolError(`\`go version\` failed: ${result.stderr || result.error}`);
  return result.stdout.trim();
}

/** Every program folder under test/e2e/tools, with the package its tools.go imports. */
export function programs() {
  return readdirSync(TOOLS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => {
      const dir = join(TOOLS_DIR, name);
      const pkg = /^import _ "([^"]+)"/m.exec(readFileSync(join(dir, "tools.go"), "utf8"))?.[1];
      if (!pkg) throw new ToolError(`${join(dir, "tools.go")} imports no package (expected: import _ "<main package>")`);
      return { name, dir, pkg, binary: basename(pkg) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function cacheKey(program, go) {
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum", "tools.go"]) hash.update(`${file}\0`).update(readFileSync(join(program.dir, file))).update("\0");
  return hash.update(go).digest("hex").slice(0, 16);
}

/** The module and version a binary was built from (its build info), e.g. "github.com/hashicorp/vault v1.14.3". */
function builtFrom(bin, pkg) {
  const info = spawnSync("go", ["version", "-m", bin], { encoding: "utf8" }).stdout ?? "";
  // "mod": the module of the main package (here a dependency of the tools module, so with its version); "dep": the rest.
  const deps = [...info.matchAll(/^\s+(?:mod|dep)\s+(\S+)\s+(\S+)/gm)].map(([, module, version]) => ({ module, version }));
  const own = deps.filter((d) => pkg === d.module || pkg.startsWith(`${d.module}/`)).sort((a, b) => b.module.length - a.module.length)[0];
  return own ? `${own.module} ${own.version}` : "unknown version";
}

/** Why `go build` failed, in words: a refused module, an incomplete go.sum, or go's own last lines. */
export function explainBuildFailure(program, output) {
  const refused = [...output.matchAll(/(\S+@v[^\s:]+): .*?(403 Forbidden|404 Not Found|410 Gone|not available)/g)].map((m) => m[1]);
  if (refused.length > 0 || /403 Forbidden|This module version is not available/.test(output)) {
    return `the Go module registry refused ${[...new Set(refused)].join(", ") || "a module (see go's output)"} while building ${program.name} (${program.pkg}). Change the pin in test/e2e/tools/${program.name}/go.mod to a version the registry serves, or point GOPROXY at one that serves it.`;
  }
  if (/missing go\.sum entry|updates to go\.(mod|sum) needed/.test(output)) {
    return `test/e2e/tools/${program.name}/go.sum is incomplete for ${program.pkg}: run \`go mod tidy\` in test/e2e/tools/${program.name} and commit go.mod and go.sum.`;
  }
  return `go build of ${program.pkg} failed (test/e2e/tools/${program.name}).`;
}

function build(program, target, log) {
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const started = Date.now();
  log(`e2e tools: building ${program.name} (${program.pkg}) with go build; a cold build takes several minutes...`);
  return new Promise((resolve, reject) => {
    // -v lists each package as it is compiled: the progress count. Same flags as a plain `go build`, so Go's build
    // cache is shared with any other build of the same pins on this machine.
    const child = spawn("go", ["build", "-v", "-o", join(partial, program.binary), program.pkg], {
      cwd: program.dir,
      env: { ...process.env, GOFLAGS: [process.env.GOFLAGS, "-mod=readonly"].filter(Boolean).join(" ") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let compiled = 0;
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => {
      output += d;
      compiled += String(d).split("\n").filter((l) => /^[\w.-]+\.[\w]+\/|^[a-z]+(\/|$)/.test(l)).length;
    });
    const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
    const ticker = setInterval(() => log(`e2e tools: ${program.name}: ${compiled} packages compiled, ${elapsed()}`), 30_000);
    child.on("error", (error) => {
      clearInterval(ticker);
      reject(error.code === "ENOENT" ? new ToolError(`the Go toolchain is not installed (no \`go\` on PATH); ${INSTALL_HINT}.`) : error);
    });
    child.on("close", (code) => {
      clearInterval(ticker);
      if (code !== 0) {
        rmSync(partial, { recursive: true, force: true });
        const tail = output.trim().split("\n").filter((l) => !/^[\w.-]+(\/[\w.@-]+)*$/.test(l)).slice(-15).join("\n");
        return reject(new ToolError(`${explainBuildFailure(program, output)}\n--- go build (last lines) ---\n${tail}`));
      }
      try {
        renameSync(partial, target);
      } catch (error) {
        // Another run finished the same build first: its binary is the same build of the same pins.
        rmSync(partial, { recursive: true, force: true });
        if (!existsSync(join(target, program.binary))) throw error;
      }
      log(`e2e tools: ${program.name} built in ${elapsed()}`);
      resolve();
    });
  });
}

/**
 * Builds each program (all of them, or those named) unless the cache already holds the build of its pins; one after
 * the other, since each build uses every core. Returns, per program: the binary's path and what it was built from.
 */
export async function ensureTools({ only, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const go = goVersion();
  const tools = {};
  const known = programs();
  const unknown = (only ?? []).filter((name) => !known.some((p) => p.name === name));
  if (unknown.length) throw new ToolError(`no program ${unknown.join(", ")} in test/e2e/tools (there: ${known.map((p) => p.name).join(", ")})`);
  for (const program of known.filter((p) => !only?.length || only.includes(p.name))) {
    const target = join(cacheRoot(), `${program.name}-${cacheKey(program, go)}`);
    const bin = join(target, program.binary);
    if (!existsSync(bin)) {
      mkdirSync(dirname(target), { recursive: true });
      await build(program, target, log);
    }
    tools[program.name] = { bin, builtFrom: builtFrom(bin, program.pkg) };
  }
  return { go, tools };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
const HELP = `usage: npm run e2e:tools [-- <program>...]

Builds the end-to-end tests' programs (test/e2e/tools/<program>/go.mod: the Vault server, OpenTofu) with go build from
the module registry, once per machine, into a cache outside the repository (keyed by the pins; rebuilt only when a
pin changes), and prints where each one is. npm run test:e2e does this first by itself.

options:
  <program>    only these (folder names under test/e2e/tools); default: all
  -h, --help   this help

environment:
  XDG_CACHE_HOME   the cache's parent (default ~/.cache)

exit codes:
  0  every program is built
  1  a program cannot be built (the message says what is missing and how to install it)`;

if (isMain && process.argv.slice(2).some((a) => a === "--help" || a === "-h")) {
  console.log(HELP);
  process.exit(0);
}
if (isMain) {
  try {
    const { go, tools } = await ensureTools({ only: process.argv.slice(2) });
    console.log(`e2e tools (${go}), cache ${cacheRoot()}:`);
    for (const [name, tool] of Object.entries(tools)) console.log(`  ${name}: ${tool.builtFrom} -> ${tool.bin}`);
  } catch (error) {
    console.error(`e2e tools: ERROR: ${error instanceof ToolError ? error.message : error.stack}`);
    process.exit(1);
  }
}
