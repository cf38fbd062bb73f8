// `npm test`: type-check (tsc) and run jest at the same time; fail if either fails.
// Run one after the other they take about 5.5 s on a 2-core machine; side by side about 4 s.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const jestArgs = process.argv.slice(2);

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

const [typecheck, tests] = await Promise.all([
  // Incremental: the build info lives in node_modules/.cache, so a fresh clone starts cold and stays correct.
  run("tsc", [require.resolve("typescript/bin/tsc"), "-p", ".", "--incremental", "--tsBuildInfoFile", "node_modules/.cache/tsc.tsbuildinfo"], { buffered: true }),
  run("jest", [require.resolve("jest/bin/jest"), ...jestArgs], { buffered: false }),
]);
if (typecheck.code !== 0) process.stderr.write(`\nType errors (tsc):\n${typecheck.output}`);
else process.stdout.write("Type check (tsc): no errors\n");
process.exit(typecheck.code || tests.code);
