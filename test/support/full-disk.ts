/** A full disk, simulated: lib/synth/atomic-write.ts's writes fail as Node reports ENOSPC once a byte budget is spent. */
import fs from "node:fs";

/** Makes every write after the first `okBytes` bytes fail as a full disk does, for the duration of `fn`. */
export function withFullDisk<T>(okBytes: number, fn: () => T): T {
  const realWrite = fs.writeSync;
  let budget = okBytes;
  // lib/synth/atomic-write.ts writes files as writeSync(fd, buffer, offset, length) and a lock's pid as writeSync(fd, text).
  const spy = jest.spyOn(fs, "writeSync").mockImplementation(((fd: number, data: Uint8Array | string, offset?: number, length?: number) => {
    if (budget <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write" });
    const buffer = typeof data === "string" ? Buffer.from(data) : data;
    const n = realWrite(fd, buffer, offset ?? 0, Math.min(length ?? buffer.length, budget));
    budget -= n;
    return n;
  }) as typeof fs.writeSync);
  try {
    return fn();
  } finally {
    spy.mockRestore();
  }
}
