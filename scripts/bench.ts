// `npm run bench`: synth and test speed, and how synth grows with the number of accounts and roles. Every figure is
// recorded beside a floor measured in the same rounds (`node -e "require('cdktf')"`), and the ratio to it, so that two
// runs on machines of different speed can be compared. Prints progress and the tables, and writes them to
// BENCHMARKS.md. Not part of `npm test`. `npm run bench -- --help` says what it does.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { generateData } from "../lib/operations/generate";
import { trustAdmitting } from "../lib/model/trust";

const CDKTF_CLI_VERSION = "0.21.0";
const USAGE = `Usage: npm run bench [-- --help]

Measures, on this machine and against a floor measured in the same rounds (node -e "require('cdktf')"):
  - npm run synth and cdktf synth on the default data (access.yaml)
  - the synth of generated data: 3 to 3000 accounts over 1, 10 and 100 roles, phase by phase; 30000 accounts once
  - npm test: warm, right after a one-line edit of lib/model/naming.ts, and cold (no caches)
and writes the tables, with the ratio of each figure to the floor, to BENCHMARKS.md. Takes several minutes and
prints each step as it goes.

Everything runs in a temporary copy of the repository (its node_modules linked, its own caches): the source tree is
never edited, and no cache that another process may use is cleared. cdktf-cli ${CDKTF_CLI_VERSION} is installed once into
node_modules/.cache for the comparison.

Options:
  --help    print this and exit

Exit codes:
  0  measured, BENCHMARKS.md written (a missed target is reported in it, not an error)
  1  a measured command failed (its output is printed)
  2  unknown argument`;

const root = join(__dirname, "..");
const cliDir = join(root, "node_modules", ".cache", `cdktf-cli-${CDKTF_CLI_VERSION}`);
const env = { ...process.env, CHECKPOINT_DISABLE: "1", CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1", CI: "1" };

interface Run {
  readonly ms: number;
  readonly rssMb: number;
}
/** A figure: the command's median wall time and peak RSS, and the median of the floor runs taken between its runs. */
interface Figure extends Run {
  readonly floorMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const ratio = (f: Figure) => f.ms / f.floorMs;
/** `1.23 s (5.6x floor)` */
const withRatio = (f: Figure) => `${fmt(f.ms)} (${ratio(f).toFixed(1)}x)`;

const started = performance.now();
const elapsed = () => {
  const s = Math.round((performance.now() - started) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};
/** Progress, on stderr so that the tables on stdout stay clean. */
const progress = (line: string) => process.stderr.write(`[bench ${elapsed()}] ${line}\n`);

/** Wall time of a command (ms) and its peak RSS (MB), from GNU time. Exits 1 with its output if it fails. */
function timed(cmd: string, args: string[], cwd: string): Run {
  const start = performance.now();
  const run = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], { cwd, env, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - start;
  if (run.status !== 0) {
    process.stderr.write(`bench: ${cmd} ${args.join(" ")} (in ${cwd}) failed with exit code ${run.status}:\n${run.stdout}\n${run.stderr}\n`);
    process.exit(1);
  }
  const rssKb = Number(run.stderr.trim().split("\n").pop());
  return { ms, rssMb: rssKb / 1024 };
}

/** The floor: loading cdktf in a bare Node process, what every synth pays before it does anything. */
const floor = () => timed(process.execPath, ["-e", "require('cdktf')"], root);

/**
 * `runs` rounds of (floor, command) after one warm-up round: the command's median and the floor's median, taken
 * side by side so that a busy machine slows both. `before` runs ahead of each command run, untimed.
 */
function measure(label: string, runs: number, command: () => Run, before: () => void = () => {}): Figure {
  progress(`${label}: warm-up`);
  before();
  command();
  const floors: number[] = [];
  const results: Run[] = [];
  for (let i = 1; i <= runs; i++) {
    floors.push(floor().ms);
    before();
    results.push(command());
    progress(`${label}: run ${i}/${runs} ${fmt(results[i - 1].ms)} (floor ${fmt(floors[i - 1])})`);
  }
  return { ms: median(results.map((r) => r.ms)), rssMb: Math.max(...results.map((r) => r.rssMb)), floorMs: median(floors) };
}

/** One run and one floor beside it, for what is too slow, or only once possible (a cold start), to repeat. */
function measureOnce(label: string, command: () => Run, before: () => void = () => {}): Figure {
  progress(`${label}: one run`);
  const floorMs = floor().ms;
  before();
  const result = command();
  progress(`${label}: ${fmt(result.ms)} (floor ${fmt(floorMs)})`);
  return { ...result, floorMs };
}

/**
 * A copy of the working tree (tracked and untracked files, as they are now) in a temporary folder, with every entry of
 * node_modules linked except node_modules/.cache, which the copy keeps to itself (tsc's build info, the CI schema
 * validators). The bench edits and clears caches only there.
 */
function copyOfTree(): string {
  const copy = join(mkdtempSync(join(tmpdir(), "bench-tree-")), "repo");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(root, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  mkdirSync(join(copy, "node_modules", ".cache"), { recursive: true });
  for (const entry of readdirSync(join(root, "node_modules"))) {
    if (entry !== ".cache") symlinkSync(join(root, "node_modules", entry), join(copy, "node_modules", entry));
  }
  return copy;
}

function cdktfCli(): string | undefined {
  const bin = join(cliDir, "node_modules", ".bin", "cdktf");
  if (existsSync(bin)) return bin;
  mkdirSync(cliDir, { recursive: true });
  progress(`installing cdktf-cli@${CDKTF_CLI_VERSION} into ${cliDir} (once, for the comparison)`);
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefix", cliDir, `cdktf-cli@${CDKTF_CLI_VERSION}`], { encoding: "utf8" });
  return install.status === 0 && existsSync(bin) ? bin : undefined;
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  console.error(`bench: unknown argument ${JSON.stringify(args[0])}\n\n${USAGE}`);
  process.exit(2);
}

const lines: string[] = [];
const out = (line = "") => {
  console.log(line);
  lines.push(line);
};

progress("copying the working tree to a temporary folder");
const tree = copyOfTree();
const work = mkdtempSync(join(tmpdir(), "bench-data-"));
// The copy and the data go away however the bench ends (Ctrl-C included).
process.on("exit", () => {
  rmSync(work, { recursive: true, force: true });
  rmSync(dirname(tree), { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));
// jest's default cache folder is shared by every jest run of this user on the machine: the copy gets its own.
const jestCache = join(tree, "node_modules", ".cache", "jest");
const npmTest = () => timed("npm", ["test", "--silent", "--", `--cacheDirectory=${jestCache}`], tree);

const cpu = cpus();
const machine = `${cpu.length} cores (${cpu[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execFileSync("uname", ["-sr"]).toString().trim()}`;

out("# Benchmarks");
out();
out("Written by `npm run bench` (scripts/bench.ts). Wall times are medians after a warm-up; memory is peak RSS.");
out();
out(`Machine: ${machine}.`);
out();
// Other work on the machine (another build, a mutation run) inflates every second measured here; say how busy it was.
out(`Load average when this run started: ${loadavg().map((l) => l.toFixed(2)).join(", ")} (1, 5 and 15 minutes; ${cpu.length} cores).`);
out();
// Machines of one kind differ several-fold in speed from day to day, and other work on a shared machine slows every
// run: each figure is taken in rounds alternating with the floor, and compared with it.
out("**Floor:** `node -e \"require('cdktf')\"`, what every synth pays before doing anything. It is measured in the same");
out("rounds as each figure (one floor run before each run of the command), and every figure is given with its ratio to");
out("that floor (`1.20 s (5.6x)`: 5.6 times the floor). Compare ratios, not seconds, between two runs.");
out();

// 1. The README's synth against the cdktf CLI, on the default data.
out("## Synth of the default data (access.yaml)");
out();
const npmSynth = measure("npm run synth", 7, () => timed("npm", ["run", "--silent", "synth"], tree));
const cli = cdktfCli();
const cliSynth = cli ? measure("cdktf synth", 3, () => timed(cli, ["synth"], tree)) : undefined;
out("| command | wall (median) (x floor) | floor | peak RSS |");
out("|---|---|---|---|");
out(`| \`npm run synth\` (the README's) | ${withRatio(npmSynth)} | ${fmt(npmSynth.floorMs)} | ${npmSynth.rssMb.toFixed(0)} MB |`);
if (cliSynth) out(`| \`cdktf synth\` (cdktf-cli ${CDKTF_CLI_VERSION}, same app) | ${withRatio(cliSynth)} | ${fmt(cliSynth.floorMs)} | ${cliSynth.rssMb.toFixed(0)} MB |`);
out();
out(cliSynth ? `Ratio: \`npm run synth\` is ${(cliSynth.ms / npmSynth.ms).toFixed(1)}x faster than \`cdktf synth\` (target: at least 5x).` : "cdktf-cli could not be installed: no comparison this run.");
out();

// 2. Growth with the number of accounts and roles.
out("## Synth as the data grows");
out();
out("Generated data (lib/operations/generate.ts): N accounts, each read by one of R roles; every role also reads one path of its own.");
out("Each run is a full `node scripts/synth.mjs --config <file>` (load, validate, construct, guardrails, write), without npm.");
out();
const sizes = [3, 30, 300, 3000];
const roleCounts = [1, 10, 100];
const figures = new Map<string, Figure>();
const phaseRows: string[] = [];
const dataFile = (accounts: number, roles: number) => {
  const file = join(work, `data-${accounts}-${roles}.yaml`);
  const data = generateData({ accounts, roles });
  writeFileSync(file, stringify(data));
  // Trust anchors that admit exactly the generated data, given with --trust (never read from beside a data file).
  writeFileSync(join(dirname(file), "trust.yaml"), stringify(trustAdmitting(data)));
  return file;
};
const synthOf = (file: string) => () => timed(process.execPath, [join(tree, "scripts", "synth.mjs"), "--config", file, "--trust", join(dirname(file), "trust.yaml")], work);
out(`| accounts | ${roleCounts.map((r) => `${r} role${r > 1 ? "s" : ""}: wall (x floor) / RSS`).join(" | ")} |`);
out(`|---|${roleCounts.map(() => "---").join("|")}|`);
for (const accounts of sizes) {
  const cells: string[] = [];
  for (const roles of roleCounts) {
    const file = dataFile(accounts, roles);
    const figure = measure(`synth of ${accounts} accounts, ${roles} roles`, 3, synthOf(file));
    figures.set(`${accounts}/${roles}`, figure);
    cells.push(`${withRatio(figure)} / ${figure.rssMb.toFixed(0)} MB`);
    if (roles === 10) {
      progress(`phases of ${accounts} accounts, 10 roles`);
      const phases = JSON.parse(execFileSync(process.execPath, [join(tree, "scripts", "run.mjs"), "scripts/bench-phases.ts", file, join(work, "out")], { cwd: tree, env }).toString());
      phaseRows.push(`| ${accounts} | ${phases.resources} | ${Object.values(phases.times as Record<string, number>).map((ms) => fmt(ms)).join(" | ")} |`);
    }
  }
  out(`| ${accounts} | ${cells.join(" | ")} |`);
}
out();
const HUGE = 30000;
const huge = measureOnce(`synth of ${HUGE} accounts, 10 roles`, synthOf(dataFile(HUGE, 10)));
out(`${HUGE} accounts, 10 roles (one run): ${withRatio(huge)}, floor ${fmt(huge.floorMs)}, peak RSS ${huge.rssMb.toFixed(0)} MB.`);
out();
out("Growth factor per 10x accounts (wall time ratio; 10 would be linear, plus a fixed start-up cost that hides it at small N):");
out();
out(`| step | ${roleCounts.map((r) => `${r} role${r > 1 ? "s" : ""}`).join(" | ")} |`);
out(`|---|${roleCounts.map(() => "---").join("|")}|`);
for (let i = 1; i < sizes.length; i++) {
  out(`| ${sizes[i - 1]} -> ${sizes[i]} | ${roleCounts.map((r) => (figures.get(`${sizes[i]}/${r}`)!.ms / figures.get(`${sizes[i - 1]}/${r}`)!.ms).toFixed(1)).join(" | ")} |`);
}
out();
out("Where the time goes (10 roles; in-process, one run): the synth's phases, then `npm run access` (report) and `npm run access:diff` (a comparison of two copies of the stack) on the same JSON:");
out();
out("| accounts | resources | load+validate | construct+JSON | guardrails | write | access report | access diff |");
out("|---|---|---|---|---|---|---|---|");
for (const row of phaseRows) out(row);
out();

// 3. The test suite, in the copy: its caches are the copy's own (tsc's build info in its node_modules/.cache, jest's
// cache folder passed on the command line).
out("## `npm test`");
out();
const tests = measure("npm test, nothing changed", 3, npmTest);
// The everyday case: a source file just changed (lib/model/naming.ts: most of the code depends on it, so tsc checks it all
// again and jest transforms it again). The copy's file is edited, never the working tree's.
const edited = join(tree, "lib", "model", "naming.ts");
const original = readFileSync(edited, "utf8");
let edits = 0;
const afterEdit = measure("npm test after a one-line edit", 3, npmTest, () => writeFileSync(edited, `${original}// bench edit ${++edits}\n`));
// The first run after a clone: no node_modules/.cache (tsc's build info, jest's cache, the CI schema validators), no dist/.
const cold = measureOnce("npm test with cold caches", npmTest, () => {
  rmSync(join(tree, "node_modules", ".cache"), { recursive: true, force: true });
  rmSync(join(tree, "dist"), { recursive: true, force: true });
});
out("| case | wall (x floor) | floor |");
out("|---|---|---|");
out(`| nothing changed since the last run (median of 3 after a warm-up) | ${withRatio(tests)} | ${fmt(tests.floorMs)} |`);
out(`| right after a one-line change to lib/model/naming.ts, which most files import (median of 3) | ${withRatio(afterEdit)} | ${fmt(afterEdit.floorMs)} |`);
out(`| cold caches: the first run after a clone (one run) | ${withRatio(cold)} | ${fmt(cold.floorMs)} |`);
out();

// 4. The targets, checked against this run.
const largest = roleCounts.map((r) => figures.get(`${sizes[sizes.length - 1]}/${r}`)!);
const slowest = largest.reduce((a, b) => (ratio(a) >= ratio(b) ? a : b));
const lastStep = roleCounts.map((r) => figures.get(`${sizes[sizes.length - 1]}/${r}`)!.ms / figures.get(`${sizes[sizes.length - 2]}/${r}`)!.ms);
const cliRatio = cliSynth ? cliSynth.ms / npmSynth.ms : undefined;
const targets: [string, string, boolean | undefined][] = [
  ["3000 accounts (each with its secret and read policy): synth at most 7x the floor, any role count (issue 16)", withRatio(slowest), ratio(slowest) <= 7],
  [`${HUGE} accounts: at most 600 MB peak (issue 16)`, `${huge.rssMb.toFixed(0)} MB`, huge.rssMb <= 600],
  ["`npm test`, nothing changed: at most 5 s (issue 16)", withRatio(tests), tests.ms <= 5000],
  ["`npm test` after a one-line edit: at most 7 s (issue 16)", withRatio(afterEdit), afterEdit.ms <= 7000],
  ["`npm run synth` at the default data: at least 5x faster than `cdktf synth` (issue 6)", cliRatio ? `${cliRatio.toFixed(1)}x` : "not measured", cliRatio === undefined ? undefined : cliRatio >= 5],
  ["3000 accounts: at most 300 MB peak (issue 6)", `at most ${Math.max(...largest.map((f) => f.rssMb)).toFixed(0)} MB`, largest.every((f) => f.rssMb <= 300)],
  ["growth close to linear: at most 10x time for 10x accounts (issue 6)", `at most ${Math.max(...lastStep).toFixed(1)}x (${sizes[sizes.length - 2]} -> ${sizes[sizes.length - 1]})`, lastStep.every((f) => f <= 10)],
];
out("## Targets, checked against this run");
out();
out("Absolute targets (seconds) hold for a quiet machine of this kind; the ratio beside each figure says how this run compares.");
out();
out("| target | measured (x floor) | met |");
out("|---|---|---|");
for (const [target, measured, met] of targets) out(`| ${target} | ${measured} | ${met === undefined ? "not measured" : met ? "yes" : "**no**"} |`);
out();
out("How the synth and the tests are kept fast: docs/development.md, Speed.");

// The end-to-end section is measured by hand (it needs Go and minutes of building): kept as it was written.
const previous = existsSync(join(root, "BENCHMARKS.md")) ? readFileSync(join(root, "BENCHMARKS.md"), "utf8") : "";
const e2eSection = /^## End-to-end tests[^\n]*\n[\s\S]*?(?=^## |(?![\s\S]))/m.exec(previous)?.[0].trimEnd();
if (e2eSection) out(`\n${e2eSection}`);

// Atomic: an interrupted write never leaves a half-written BENCHMARKS.md.
const target = join(root, "BENCHMARKS.md");
writeFileSync(`${target}.${process.pid}.tmp`, `${lines.join("\n")}\n`);
renameSync(`${target}.${process.pid}.tmp`, target);
progress("written to BENCHMARKS.md");
