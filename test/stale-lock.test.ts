// A lock left by a run that was killed (issue 23): account:add takes it over instead of asking for a hand removal, and
// several runs that find the same stale lock still hold it one at a time (lib/synth/atomic-write.ts removeStaleLock).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { withFileLock } from "../lib/synth/atomic-write";
import { runAccountAdd, updateDataFile } from "../lib/operations/account-add";
import { ROOT, writeDataFile } from "./support/data";

const folder = () => mkdtempSync(join(tmpdir(), "stale-lock-"));

/** The id of a process that has just been killed (SIGKILL) after writing it into `lock`, as a killed account:add leaves it. */
function lockOfKilledRun(lock: string): number {
  const run = spawnSync(process.execPath, [
    "-e",
    `require("fs").writeFileSync(${JSON.stringify(lock)}, process.pid + "\\n"); process.kill(process.pid, "SIGKILL");`,
  ]);
  expect(run.signal).toBe("SIGKILL");
  return Number.parseInt(readFileSync(lock, "utf8"), 10);
}

/** One contender process's exit code and what it printed on stdout ("alone" or "overlap"; a bundle build notes go to stderr). */
const contender = (file: string): Promise<{ code: number | null; out: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "scripts", "run.mjs"), "test/support/lock-contender.ts", file], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code, out }));
  });

describe("a lock whose process is gone", () => {
  it("is taken over by account:add, which adds the account and leaves no lock behind", () => {
    const file = join(folder(), "access.yaml");
    writeDataFile(file);
    const dead = lockOfKilledRun(`${file}.lock`);
    expect(() => process.kill(dead, 0)).toThrow();
    const run = runAccountAdd(["svc-datastore", "--permissions", "docker:read-write", "--readers", "nexus-ci", "--config", file], {
      update: updateDataFile,
      env: {},
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(parse(readFileSync(file, "utf8")).accounts.map((a: { name: string }) => a.name)).toContain("svc-datastore");
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(existsSync(`${file}.lock.takeover`)).toBe(false);
  });

  it("is taken over by withFileLock, which holds it with its own id while the function runs", () => {
    const file = join(folder(), "access.yaml");
    writeFileSync(`${file}.lock`, "999999999\n"); // above any pid Linux hands out (pid_max is at most 2^22)
    expect(withFileLock(file, () => readFileSync(`${file}.lock`, "utf8"))).toBe(`${process.pid}\n`);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("is still waited for while its process runs, and a takeover left by a killed run is reported, not removed", () => {
    const file = join(folder(), "access.yaml");
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    expect(() => withFileLock(file, () => 1, 200)).toThrow(`${file}.lock is held by process ${process.pid} (another run) for over 0.2 s; nothing was written`);
    writeFileSync(`${file}.lock`, "999999999\n");
    const dead = lockOfKilledRun(`${file}.lock.takeover`);
    expect(() => withFileLock(file, () => 1)).toThrow(
      `${file}.lock.takeover was left by process ${dead}, which stopped while taking over a stale lock: remove it, then run the command again; nothing was written`,
    );
    expect(readFileSync(`${file}.lock`, "utf8")).toBe("999999999\n");
  });

  it("is taken over by one of several runs that find it at once: they hold the lock one at a time", async () => {
    for (let trial = 0; trial < 3; trial++) {
      const file = join(folder(), "access.yaml");
      writeFileSync(file, "x: 1\n");
      lockOfKilledRun(`${file}.lock`);
      const runs = await Promise.all(Array.from({ length: 4 }, () => contender(file)));
      expect(runs).toEqual(Array.from({ length: 4 }, () => ({ code: 0, out: "alone\n" })));
      expect(existsSync(`${file}.lock`)).toBe(false);
    }
  }, 60_000);
});
