/**
 * Server processes of the end-to-end tests: each runs in its own process group under a small sh watchdog that kills
 * it as soon as the test process that started it is gone (finished, failed, timed out or killed), so no run leaves a
 * server behind. Output goes to a log file, whose tail a failing test prints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { logTail } from "./log-tail";

export interface ManagedProcess {
  readonly name: string;
  /** The watchdog's pid, which is also the process group's id. */
  readonly pgid: number;
  readonly logFile: string;
  /** The last lines of the log. */
  logTail(lines?: number): string;
  /** Whether the process has exited (on its own or stopped). */
  exited(): boolean;
  /** Stops the whole process group: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Where every run records the process groups it started (E2E_RUN_DIR, set by the global setup), for the teardown. */
function groupsDir(): string | undefined {
  const dir = process.env.E2E_RUN_DIR && join(process.env.E2E_RUN_DIR, "process-groups");
  if (dir) mkdirSync(dir, { recursive: true });
  return dir;
}

const running = new Set<ManagedProcess>();
// A worker that exits without its afterAll (a failed beforeAll, a timeout) still ends its servers.
process.on("exit", () => {
  for (const p of running) killGroup(p.pgid, "SIGKILL");
});

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

// The watchdog: runs the command in the background, and ends it when the test process ($1) is gone or on SIGTERM.
const WATCHDOG = [
  'watched=$1; shift',
  '"$@" & child=$!',
  'trap \'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0\' TERM INT',
  'while kill -0 "$watched" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done',
  'kill -TERM "$child" 2>/dev/null; sleep 5; kill -KILL "$child" 2>/dev/null; wait "$child"',
].join("\n");

/**
 * Starts `command` under the watchdog, in its own process group. `watchPid` is the process whose end ends it (default:
 * this test process).
 */
export function startProcess(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string; watchPid?: number }): ManagedProcess {
  const log = openSync(options.logFile, "a");
  // For the test environment (environment.js): the logs whose tails a failing test file prints.
  if (process.env.E2E_RUN_DIR) appendFileSync(join(process.env.E2E_RUN_DIR, `logs-${process.pid}.txt`), `${options.logFile}\n`);
  let child: ChildProcess;
  try {
    child = spawn("sh", ["-c", WATCHDOG, "watchdog", String(options.watchPid ?? process.pid), command, ...args], {
      detached: true, // its own process group, so that stop() reaches the server and anything it started
      stdio: ["ignore", log, log],
      env: options.env,
      cwd: options.cwd,
    });
  } finally {
    closeSync(log);
  }
  const pgid = child.pid!;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exit.then(() => (exited = true));
  const record = groupsDir() && join(groupsDir()!, String(pgid));
  if (record) writeFileSync(record, name);
  const handle: ManagedProcess = {
    name,
    pgid,
    logFile: options.logFile,
    logTail: (lines = 40) => logTail(options.logFile, lines),
    exited: () => exited,
    async stop(graceMs = 10_000) {
      killGroup(pgid, "SIGTERM");
      const timer = setTimeout(() => killGroup(pgid, "SIGKILL"), graceMs);
      await exit;
      clearTimeout(timer);
      killGroup(pgid, "SIGKILL"); // anything the server started and left behind
      running.delete(handle);
      if (record) rmSync(record, { force: true });
    },
  };
  running.add(handle);
  return handle;
}

/** A TCP port free on 127.0.0.1 right now (the server that takes it may still lose a race: its start then fails). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `ready` every half second until it answers true, the process exits, or `timeoutMs` passes. */
export async function waitUntil(what: string, process_: ManagedProcess, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready().catch(() => false)) return;
    if (process_.exited()) throw new Error(`${what}: ${process_.name} exited before it was ready. Last lines of ${process_.logFile}:\n${process_.logTail()}`);
    if (Date.now() > deadline) throw new Error(`${what}: ${process_.name} was not ready after ${timeoutMs / 1000} s. Last lines of ${process_.logFile}:\n${process_.logTail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
