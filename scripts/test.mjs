// `npm test`: type-check (tsc), lint and format-check (biome) and run jest at the same time; fail if any fails.
// Side by side: about 4.5 s for the whole `npm test` on this 2-core machine (BENCHMARKS.md).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const HELP = `usage: npm test [-- <jest options>]

Type-checks the whole repository (tsc -b) and runs every jest test, side by side. Jest options pass through, e.g.
npm test -- test/stack.test.ts, npm test -- -t "account:add", or npm test -- -u to accept the snapshot diff you
have read (after a change to access.yaml: docs/change-access.md). Jest's own options: npx jest --help.

exit codes:
  0  no type error and every test passed
  1  a type error (listed after jest's report) or a failing test (jest's exit code otherwise)`;
if (process.argv.slice(2).some((a) => a === "--help" || a === "-h")) {
  console.log(HELP);
  process.exit(0);
}
// Jest's default on 2 cores is one worker (cores - 1), so every test file ran one after the other while tsc used the
// other core. Two workers let the files share both cores with tsc (and jest.config.js keeps jest from running them in
// its own process instead).
const jestArgs = process.argv.slice(2);
// The whole suite runs with the test files in groups (jest.suite.config.js: cdktf and the providers load once per
// group, not once per file); named files (`npm test -- test/rules.test.ts`) or a config of the caller's run as given.
const namesFiles = jestArgs.some((a) => !a.startsWith("-"));
if (!namesFiles && !jestArgs.some((a) => /^(-c|--config)\b/.test(a))) jestArgs.push("--config=jest.suite.config.js");
if (!jestArgs.some((a) => /^(-w|--maxWorkers|-i|--runInBand)\b/.test(a))) jestArgs.push("--maxWorkers=2");

function run(name, args, { buffered }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: buffered ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    if (buffered) {
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
    }
    child.on("close", (code) => resolve({ name, code, output }));
  });
}

const [typecheck, lint, tests] = await Promise.all([
  // Build mode with the build info in node_modules/.cache (tsconfig.json): when no source changed since the last
  // check it answers from the build info without parsing anything (0.4 s instead of 1.6 s); after a change it checks
  // what the change can affect. A fresh clone starts cold and stays correct.
  run("tsc", [require.resolve("typescript/bin/tsc"), "-b"], { buffered: true }),
  // Lint and format check (biome.jsonc): one native binary, about 0.7 s wall and under 1 s CPU for the repository,
  // beside tsc and jest (BENCHMARKS.md).
  run("biome", [require.resolve("@biomejs/biome/bin/biome"), "check", "--colors=off", "."], { buffered: true }),
  // --max-opt=1: V8's baseline compiler only, for jest and its workers (forked with the same flags). Test code runs
  // briefly, so the optimizing compilers' work never pays back: jest alone, on this 2-core machine, about 7 -> 5.5 s
  // CPU and 4 -> 3.3 s wall. tsc runs long enough to gain from them and keeps V8's defaults.
  // --liftoff-only: the same for WebAssembly. HashiCorp's HCL parser (@cdktf/hcl2json) is 1.7 MB of Go compiled to
  // wasm, loaded by three test files; V8 compiled it a second time with its optimizing tier in the background, for a
  // few parses each: 0.6 -> 0.2 s of CPU per load, about 1.5 s of CPU per npm test.
  run("jest", ["--max-opt=1", "--liftoff-only", require.resolve("jest/bin/jest"), ...jestArgs], { buffered: false }),
]);
if (typecheck.code !== 0) process.stderr.write(`\nType errors (tsc):\n${typecheck.output}`);
else process.stdout.write("Type check (tsc): no errors\n");
if (lint.code !== 0) process.stderr.write(`\nLint or format problems (biome check; \`npm run format\` fixes the format):\n${lint.output}`);
else process.stdout.write("Lint and format (biome): no problems\n");
process.exit(typecheck.code || lint.code || tests.code);
