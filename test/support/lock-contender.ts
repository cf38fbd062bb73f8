/**
 * One contender for a file's lock, as a process of its own (test/stale-lock.test.ts starts several at once):
 *   node scripts/run.mjs test/support/lock-contender.ts <file>
 * Inside the lock it creates `<file>.inside` exclusively, holds it a moment and removes it; it prints "overlap" when
 * that file already existed (two holders at once), else "alone".
 */
import { openSync, closeSync, unlinkSync } from "node:fs";
import { withFileLock } from "../../lib/synth/atomic-write";

const file = process.argv[2];
const inside = `${file}.inside`;
const verdict = withFileLock(file, () => {
  let fd: number;
  try {
    fd = openSync(inside, "wx");
  } catch {
    return "overlap";
  }
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
  closeSync(fd);
  unlinkSync(inside);
  return "alone";
});
process.stdout.write(`${verdict}\n`);
