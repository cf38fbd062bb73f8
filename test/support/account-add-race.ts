/**
 * Two `npm run account:add` processes at once on one data file, `trials` times: how many trials lost an account.
 * test/atomic-write.test.ts runs a few trials; for a longer measurement (issue 14 reported 22 lost of 30):
 *   node scripts/run.mjs test/support/account-add-race.ts 30 [<repository root whose account:add to run>]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { writeDataFile } from "./data";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

/** Two accounts with different permission scopes (ACC-004), names not alike (ACC-006), and readers that the CWIQ data declares. */
const RACERS = [
  ["svc-race-helm", "--permissions", "helm:read", "--readers", "nexus-ci"],
  ["svc-race-npm", "--permissions", "npm:read", "--readers", "nexus-ci"],
];

function run(root: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "scripts", "run.mjs"), "scripts/account-add.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

export interface RaceResult {
  readonly trials: number;
  /** Trials after which the file lacks an account whose run reported success. */
  readonly lost: number;
  /** Runs that exited non-zero, with their output's first line. */
  readonly failed: string[];
}

export async function raceAccountAdd(trials: number, dataText: string, root = join(__dirname, "..", "..")): Promise<RaceResult> {
  let lost = 0;
  const failed: string[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const file = join(mkdtempSync(join(tmpdir(), "account-add-race-")), "access.yaml");
    writeDataFile(file, dataText);
    const results = await Promise.all(RACERS.map((args) => run(root, [...args, "--config", file])));
    const names = ((parse(readFileSync(file, "utf8")).accounts ?? []) as { name: string }[]).map((a) => a.name);
    results.forEach((r, i) => r.code !== 0 && failed.push(`${RACERS[i][0]}: exit ${r.code}: ${r.output.split("\n")[0]}`));
    if (RACERS.some(([name], i) => results[i].code === 0 && !names.includes(name))) lost++;
  }
  return { trials, lost, failed };
}

if (process.argv[1]?.endsWith("account-add-race.ts")) {
  const trials = Number(process.argv[2] ?? 30);
  const root = process.argv[3] ?? join(__dirname, "..");
  const data = readFileSync(join(__dirname, "..", "test", "fixtures", "cwiq-frozen.yaml"), "utf8");
  void raceAccountAdd(trials, data, root).then((r) => console.log(JSON.stringify(r)));
}
