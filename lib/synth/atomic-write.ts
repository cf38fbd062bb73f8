/**
 * Every file this repository's commands write (access.yaml, cdk.tf.json and manifest.json, ACCESS.md, the CI
 * templates, the rule table of docs/RULES.md) is written whole or not at all: the text goes to a temporary file in the same
 * folder, is flushed to disk, and is renamed over the old file. rename(2) within one file system replaces the target
 * atomically, so a reader, a crash or a full disk sees the old file or the new one, never a part of either.
 *
 * account:add also edits a file that others may edit: withFileLock serializes the runs (a lock file beside it) and
 * `expected` refuses the rename when the file changed since it was read, so a concurrent edit is never lost.
 */
import { closeSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, chmodSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A file could not be written; the files it names are unchanged. `message` is one line. */
export class FileWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FileWriteError";
  }
}

/** `ENOSPC (no space left on device)` from Node's `ENOSPC: no space left on device, write`. */
function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const reason = /^[A-Z]+: ([^,]+)/.exec(message ?? "")?.[1] ?? String(message ?? error);
  return code ? `${code} (${reason})` : reason;
}

export interface FileWrite {
  readonly file: string;
  /** The text, or a function that hands it to `write` in pieces (a large file need never be one string). */
  readonly text: string | ((write: (chunk: string) => void) => void);
  /** The file's content when it was read: the rename is refused if it changed since (someone else wrote it). */
  readonly expected?: string;
}

/** The real path of `file` (a symbolic link is written through, not replaced), or `file` itself when it does not exist yet. */
function target(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** Writes `text` to a new temporary file beside `file`, flushed, with `file`'s permissions; returns its path. */
function writeTemp(file: string, text: FileWrite["text"]): string {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  const fd = openSync(temp, "wx", 0o644);
  let complete = false;
  try {
    const write = (chunk: string) => {
      const data = Buffer.from(chunk, "utf8");
      for (let written = 0; written < data.length; ) written += writeSync(fd, data, written, data.length - written);
    };
    if (typeof text === "string") write(text);
    else text(write);
    fsyncSync(fd);
    complete = true;
  } finally {
    closeSync(fd);
    if (!complete) removeQuietly(temp); // the part written so far
  }
  try {
    chmodSync(temp, statSync(file).mode & 0o7777);
  } catch {
    // A new file keeps the default permissions.
  }
  return temp;
}

const removeQuietly = (file: string) => {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or never created.
  }
};

/**
 * Writes every file whole, or none: all temporary files first (a full disk fails here, before any file changed),
 * then the `expected` checks, then one rename each. Throws FileWriteError naming the file and the reason; the files
 * are then as they were (a rename, which allocates nothing, failing after another succeeded is the one exception).
 * `replaces`: files that the written ones supersede (the stack in the other format), removed after the last rename,
 * never before: a failed write leaves them, and the folder keeps a complete stack in one format or the other.
 */
export function writeFilesAtomic(writes: readonly FileWrite[], replaces: readonly string[] = []): void {
  const paths = writes.map((w) => target(w.file));
  const temps: string[] = [];
  try {
    try {
      writes.forEach((w, i) => temps.push(writeTemp(paths[i], w.text)));
    } catch (error) {
      throw new FileWriteError(`cannot write ${writes[temps.length].file}: ${reasonOf(error)}; nothing was changed`);
    }
    const changed = writes.find((w, i) => w.expected !== undefined && readText(paths[i]) !== w.expected);
    if (changed) throw new FileWriteError(`${changed.file} changed while this command ran (another edit or run); nothing was written: run the command again`);
    writes.forEach((w, i) => {
      try {
        renameSync(temps[i], paths[i]);
      } catch (error) {
        throw new FileWriteError(`cannot replace ${w.file}: ${reasonOf(error)}; ${w.file} is unchanged`);
      }
    });
    removeSuperseded(replaces);
  } finally {
    temps.forEach(removeQuietly); // after a rename, the temporary name no longer exists
  }
}

/** Removes each file that exists; one that cannot be removed is a FileWriteError (both formats would stay side by side). */
export function removeSuperseded(files: readonly string[]): void {
  for (const file of files) {
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        throw new FileWriteError(`cannot remove ${file}, which the new file replaces: ${reasonOf(error)}`);
    }
  }
}

/** One file, whole or not at all (writeFilesAtomic). */
export function writeFileAtomic(file: string, text: FileWrite["text"], expected?: string): void {
  writeFilesAtomic([{ file, text, expected }]);
}

/** Blocks the thread for `ms` (a command's short wait for a lock; there is nothing else for it to do meanwhile). */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` while holding `<file>.lock` (created exclusively, holding this process's id), so that two runs of a
 * command that edits `file` take turns instead of one overwriting the other's edit. Waits up to `timeoutMs` for
 * another run to finish. A lock left by a process that is no longer running (a run killed mid-way) is taken over
 * (removeStaleLock says how two runs cannot both take it).
 */
export function withFileLock<T>(file: string, fn: () => T, timeoutMs = 60_000): T {
  const lock = `${target(file)}.lock`;
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(lock)) {
    const holder = holderOf(lock);
    if (holder !== undefined && !isRunning(holder) && removeStaleLock(lock, holder)) continue;
    if (Date.now() > deadline) {
      throw new FileWriteError(`${lock} is held by process ${holder ?? "(unknown)"} (another run) for over ${timeoutMs / 1000} s; nothing was written`);
    }
    sleep(50);
  }
  try {
    return fn();
  } finally {
    removeQuietly(lock);
  }
}

/** The process id a lock file holds, or undefined (gone, or not written yet: tryLock writes it just after creating it). */
function holderOf(lock: string): number | undefined {
  const holder = Number.parseInt(readText(lock) ?? "", 10);
  return Number.isInteger(holder) ? holder : undefined;
}

/**
 * Removes `lock` if it still names `holder`, a process that is no longer running; true when it did. Two runs may find
 * the same stale lock, and a plain check-then-remove would let the slower one remove the lock the faster one has just
 * created. So only the run holding `<lock>.takeover` (created exclusively) checks again and removes it: a lock
 * created meanwhile names a running process and stays. The takeover file lives for a read and an unlink; one left by
 * a run killed in between is reported, never removed (that would reopen the race).
 */
function removeStaleLock(lock: string, holder: number): boolean {
  const takeover = `${lock}.takeover`;
  if (!tryLock(takeover)) {
    const other = holderOf(takeover);
    if (other !== undefined && !isRunning(other)) {
      throw new FileWriteError(
        `${takeover} was left by process ${other}, which stopped while taking over a stale lock: remove it, then run the command again; nothing was written`,
      );
    }
    return false; // another run is taking it over: try the lock again
  }
  try {
    if (holderOf(lock) !== holder) return false;
    unlinkSync(lock);
    return true;
  } catch {
    return false; // already gone: try the lock again
  } finally {
    removeQuietly(takeover);
  }
}

/** Creates the lock holding this process's id; false when it exists. A lock that cannot be written completely is removed. */
function tryLock(lock: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, "wx");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new FileWriteError(`cannot create the lock ${lock}: ${reasonOf(error)}; nothing was written`);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } catch (error) {
    removeQuietly(lock);
    throw new FileWriteError(`cannot create the lock ${lock}: ${reasonOf(error)}; nothing was written`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** A file's text, or undefined when it cannot be read (gone, or released: a lock's next attempt takes it). */
function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
