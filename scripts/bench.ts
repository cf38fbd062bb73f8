// `npm run bench`: synth and test speed, and how synth grows with the number of accounts and roles.
// Prints the tables and writes them, with the machine's description, to BENCHMARKS.md. Not part of `npm test`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { generateData } from "../lib/generate";

const root = join(__dirname, "..");
const CDKTF_CLI_VERSION = "0.21.0";
const cliDir = join(root, "node_modules", ".cache", `cdktf-cli-${CDKTF_CLI_VERSION}`);
const env = { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1", CI: "1" };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** Wall time of a command (ms) and its peak RSS (MB), from GNU time. */
function timed(cmd: string, args: string[], cwd = root): { ms: number; rssMb: number } {
  const start = performance.now();
  const run = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { cwd, env, encoding: "utf8" });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  const rssKb = Number(run.stderr.trim().split("\n").pop());
  return { ms, rssMb: rssKb / 1024 };
}

/** Median wall time of `runs` runs after one warm-up. */
function medianOf(runs: number, fn: () => { ms: number; rssMb: number }) {
  fn();
  const results = Array.from({ length: runs }, fn);
  return { ms: median(results.map((r) => r.ms)), rssMb: Math.max(...results.map((r) => r.rssMb)) };
}

function cdktfCli(): string | undefined {
  const bin = join(cliDir, "node_modules", ".bin", "cdktf");
  if (existsSync(bin)) return bin;
  mkdirSync(cliDir, { recursive: true });
  console.log(`installing cdktf-cli@${CDKTF_CLI_VERSION} into ${cliDir} (once, for the comparison)...`);
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", cliDir, `cdktf-cli@${CDKTF_CLI_VERSION}`], { encoding: "utf8" });
  return install.status === 0 && existsSync(bin) ? bin : undefined;
}

const lines: string[] = [];
const out = (line = "") => {
  console.log(line);
  lines.push(line);
};

const cpu = cpus();
const machine = `${cpu.length} cores (${cpu[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync("uname", ["-sr"]).toString().trim()}`;

out("# Benchmarks");
out();
out("Written by `npm run bench` (scripts/bench.ts). Wall times are medians after a warm-up; memory is peak RSS.");
out();
out(`Machine: ${machine}.`);
// Machines of one kind differ several-fold in speed from day to day (the same commit's 3000-account synth took 1.34 s
// on one and 4.2 s on another), so each run records a yardstick that involves none of this project's code.
const yardstick = medianOf(5, () => timed(process.execPath, ["-e", "let s = 0; for (let i = 0; i < 3e7; i++) s += i;"]));
out();
out(`Speed of this machine: a bare \`node -e\` loop of 3e7 additions takes ${fmt(yardstick.ms)} (median of 5); compare it before comparing two runs.`);
out();

// 1. The README's synth against the cdktf CLI, on the default data.
out("## Synth of the default data (access.yaml)");
out();
const npmSynth = medianOf(7, () => timed("npm", ["run", "--silent", "synth"]));
const cli = cdktfCli();
const cliSynth = cli ? medianOf(3, () => timed(cli, ["synth"])) : undefined;
out("| command | wall (median) | peak RSS |");
out("|---|---|---|");
out(`| \`npm run synth\` (the README's) | ${fmt(npmSynth.ms)} | ${npmSynth.rssMb.toFixed(0)} MB |`);
if (cliSynth) out(`| \`cdktf synth\` (cdktf-cli ${CDKTF_CLI_VERSION}, same app) | ${fmt(cliSynth.ms)} | ${cliSynth.rssMb.toFixed(0)} MB |`);
out();
out(cliSynth ? `Ratio: \`npm run synth\` is ${(cliSynth.ms / npmSynth.ms).toFixed(1)}x faster than \`cdktf synth\` (target: at least 5x, and at most 0.5 s).` : "cdktf-cli could not be installed: no comparison this run.");
out();

// 2. Growth with the number of accounts and roles.
out("## Synth as the data grows");
out();
out("Generated data (lib/generate.ts): N accounts, each read by one of R roles; every role also reads one path of its own.");
out("Each run is a full `node scripts/synth.mjs --config <file>` (load, validate, construct, guardrails, write).");
out();
const work = mkdtempSync(join(tmpdir(), "bench-"));
const sizes = [3, 30, 300, 3000];
const roleCounts = [1, 10, 100];
const wall = new Map<string, number>();
const rss = new Map<string, number>();
const phaseRows: string[] = [];
out(`| accounts | ${roleCounts.map((r) => `${r} role${r > 1 ? "s" : ""}: wall / RSS`).join(" | ")} |`);
out(`|---|${roleCounts.map(() => "---").join("|")}|`);
for (const accounts of sizes) {
  const cells: string[] = [];
  for (const roles of roleCounts) {
    const file = join(work, `data-${accounts}-${roles}.yaml`);
    writeFileSync(file, stringify(generateData({ accounts, roles })));
    const outdir = join(work, `out-${accounts}-${roles}`);
    const result = medianOf(3, () => timed(process.execPath, [join(root, "scripts", "synth.mjs"), "--config", file], work));
    wall.set(`${accounts}/${roles}`, result.ms);
    rss.set(`${accounts}/${roles}`, result.rssMb);
    cells.push(`${fmt(result.ms)} / ${result.rssMb.toFixed(0)} MB`);
    if (roles === 10) {
      const phases = JSON.parse(execFileSync(process.execPath, [join(root, "scripts", "run.mjs"), "scripts/bench-phases.ts", file, outdir], { cwd: root, env }).toString());
      phaseRows.push(`| ${accounts} | ${phases.resources} | ${Object.values(phases.times as Record<string, number>).map((ms) => fmt(ms)).join(" | ")} |`);
    }
  }
  out(`| ${accounts} | ${cells.join(" | ")} |`);
}
out();
out("Growth factor per 10x accounts (wall time ratio; 10 would be linear, plus a fixed start-up cost that hides it at small N):");
out();
out(`| step | ${roleCounts.map((r) => `${r} role${r > 1 ? "s" : ""}`).join(" | ")} |`);
out(`|---|${roleCounts.map(() => "---").join("|")}|`);
for (let i = 1; i < sizes.length; i++) {
  out(`| ${sizes[i - 1]} -> ${sizes[i]} | ${roleCounts.map((r) => (wall.get(`${sizes[i]}/${r}`)! / wall.get(`${sizes[i - 1]}/${r}`)!).toFixed(1)).join(" | ")} |`);
}
out();
out("Where the time goes (10 roles; in-process, one run): the synth's phases, then `npm run access` (report) and `npm run access:diff` (a comparison of two copies of the stack) on the same JSON:");
out();
out("| accounts | resources | load+validate | construct | stack JSON | guardrails | write | access report | access diff |");
out("|---|---|---|---|---|---|---|---|---|");
for (const row of phaseRows) out(row);
out();
rmSync(work, { recursive: true, force: true });

// 3. The test suite.
out("## `npm test`");
out();
const tests = medianOf(3, () => timed("npm", ["test", "--silent"]));
// The everyday case: a source file just changed (lib/naming.ts: most of the code depends on it, so tsc checks it all
// again and jest transforms it again).
const edited = join(root, "lib", "naming.ts");
const original = readFileSync(edited, "utf8");
let edits = 0;
let afterEdit: { ms: number; rssMb: number };
try {
  afterEdit = medianOf(3, () => {
    writeFileSync(edited, `${original}// bench edit ${++edits}\n`);
    return timed("npm", ["test", "--silent"]);
  });
} finally {
  writeFileSync(edited, original);
}
// The first run after a clone has neither jest's transform cache nor tsc's build info.
execFileSync(process.execPath, [join(root, "node_modules", "jest", "bin", "jest.js"), "--clearCache"], { cwd: root, stdio: "ignore" });
rmSync(join(root, "node_modules", ".cache", "tsc.tsbuildinfo"), { force: true });
const coldTests = timed("npm", ["test", "--silent"]);
out(`\`npm test\` (tsc and jest side by side, whole suite), nothing changed since the last run: ${fmt(tests.ms)} wall (median of 3 after a warm-up; target at most 5 s).`);
out();
out(`Right after a one-line change to lib/naming.ts (which most files import): ${fmt(afterEdit.ms)} (median of 3).`);
out();
out(`With cold caches (the first run after a clone: no jest transform cache, no tsc build info): ${fmt(coldTests.ms)}, one run.`);
out();

// 4. The issue's targets, checked against this run.
const largest = roleCounts.map((r) => `${sizes[sizes.length - 1]}/${r}`);
const lastStep = roleCounts.map((r) => wall.get(`${sizes[sizes.length - 1]}/${r}`)! / wall.get(`${sizes[sizes.length - 2]}/${r}`)!);
const ratio = cliSynth ? cliSynth.ms / npmSynth.ms : undefined;
const targets: [string, string, boolean | undefined][] = [
  ["`npm run synth` at the default data: at most 0.5 s", fmt(npmSynth.ms), npmSynth.ms <= 500],
  ["... and at least 5x faster than `cdktf synth`", ratio ? `${ratio.toFixed(1)}x` : "not measured", ratio === undefined ? undefined : ratio >= 5],
  [`${sizes[sizes.length - 1]} accounts: synth at most 2 s (any role count)`, `at most ${fmt(Math.max(...largest.map((k) => wall.get(k)!)))}`, largest.every((k) => wall.get(k)! <= 2000)],
  [`${sizes[sizes.length - 1]} accounts: at most 300 MB peak`, `at most ${Math.max(...largest.map((k) => rss.get(k)!)).toFixed(0)} MB`, largest.every((k) => rss.get(k)! <= 300)],
  ["growth close to linear: at most 10x time for 10x accounts", `at most ${Math.max(...lastStep).toFixed(1)}x (${sizes[sizes.length - 2]} -> ${sizes[sizes.length - 1]})`, lastStep.every((f) => f <= 10)],
  ["`npm test`: at most 5 s (nothing changed; right after a change)", `${fmt(tests.ms)}; ${fmt(afterEdit.ms)}`, tests.ms <= 5000 && afterEdit.ms <= 5000],
];
out("## Targets (issue 6), checked against this run");
out();
out("| target | measured | met |");
out("|---|---|---|");
for (const [target, measured, met] of targets) out(`| ${target} | ${measured} | ${met === undefined ? "not measured" : met ? "yes" : "**no**"} |`);
out();
out("How the synth and the tests are kept fast: README, Speed.");

// The end-to-end section is measured by hand (it needs Go and minutes of building): kept as it was written.
const previous = existsSync(join(root, "BENCHMARKS.md")) ? readFileSync(join(root, "BENCHMARKS.md"), "utf8") : "";
const e2eSection = /^## End-to-end tests[^\n]*\n[\s\S]*?(?=^## |(?![\s\S]))/m.exec(previous)?.[0].trimEnd();
if (e2eSection) out(`\n${e2eSection}`);

writeFileSync(join(root, "BENCHMARKS.md"), `${lines.join("\n")}\n`);
console.log("written to BENCHMARKS.md");
