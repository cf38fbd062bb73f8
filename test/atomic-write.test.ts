/**
 * Nothing is ever half-written (lib/synth/atomic-write.ts): a full disk leaves every file as it was, two account:add runs at
 * once lose no account, and another edit made while account:add runs is not overwritten.
 */
import { chmodSync, lstatSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileWriteError, withFileLock, writeFileAtomic, writeFilesAtomic } from "../lib/synth/atomic-write";
import { runAccountAdd, updateDataFile } from "../lib/operations/account-add";
import { DEFAULT_TEXT, writeDataFile } from "./support/data";
import { raceAccountAdd } from "./support/account-add-race";
import { withFullDisk } from "./support/full-disk";

const folder = () => mkdtempSync(join(tmpdir(), "atomic-"));

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
};

describe("writeFileAtomic / writeFilesAtomic", () => {
  it("replaces the file whole, keeps its permissions, writes through a symbolic link, and leaves no temporary file", () => {
    const dir = folder();
    const file = join(dir, "ACCESS.md");
    writeFileSync(file, "old\n");
    chmodSync(file, 0o640);
    symlinkSync(file, join(dir, "link.md"));
    writeFileAtomic(join(dir, "link.md"), "new\r\n");
    expect(readFileSync(file, "utf8")).toBe("new\r\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(lstatSync(join(dir, "link.md")).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["ACCESS.md", "link.md"]);
  });

  it("on a full disk leaves the file as it was, removes the partial temporary file, and says so in one line", () => {
    const dir = folder();
    const file = join(dir, "access.yaml");
    writeFileSync(file, DEFAULT_TEXT);
    const error = withFullDisk(100, () => thrown(() => writeFileAtomic(file, DEFAULT_TEXT.slice(0, 2000))));
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error.message).toBe(`cannot write ${file}: ENOSPC (no space left on device); nothing was changed`);
    expect(readFileSync(file, "utf8")).toBe(DEFAULT_TEXT);
    expect(readdirSync(dir)).toEqual(["access.yaml"]);
  });

  it("writes a text handed out in pieces whole, and on a full disk after some pieces leaves the file as it was", () => {
    const dir = folder();
    const file = join(dir, "cdk.tf.json");
    writeFileSync(file, "{}");
    const pieces = (write: (chunk: string) => void) => ["{\n", '  "a": "é",\n', '  "b": 1\n}'].forEach(write);
    writeFileAtomic(file, pieces);
    expect(readFileSync(file, "utf8")).toBe('{\n  "a": "é",\n  "b": 1\n}');
    const error = withFullDisk(100, () => thrown(() => writeFileAtomic(file, (write) => Array.from({ length: 10 }, () => write("x".repeat(50))))));
    expect(error.message).toBe(`cannot write ${file}: ENOSPC (no space left on device); nothing was changed`);
    expect(readFileSync(file, "utf8")).toBe('{\n  "a": "é",\n  "b": 1\n}');
    expect(readdirSync(dir)).toEqual(["cdk.tf.json"]);
  });

  it("writes several files all or none: the second failing leaves the first unchanged too", () => {
    const dir = folder();
    const [a, b] = [join(dir, "cdk.tf.json"), join(dir, "manifest.json")];
    writeFileSync(a, "{}");
    writeFileSync(b, "{}");
    const error = withFullDisk(10, () =>
      thrown(() =>
        writeFilesAtomic([
          { file: a, text: "0123456789" },
          { file: b, text: "more than ten bytes" },
        ]),
      ),
    );
    expect(error.message).toBe(`cannot write ${b}: ENOSPC (no space left on device); nothing was changed`);
    expect([readFileSync(a, "utf8"), readFileSync(b, "utf8")]).toEqual(["{}", "{}"]);
    expect(readdirSync(dir).sort()).toEqual(["cdk.tf.json", "manifest.json"]);
  });

  it("refuses to replace a file that changed since it was read, and keeps the other edit", () => {
    const file = join(folder(), "access.yaml");
    writeFileSync(file, "someone else's edit\n");
    expect(thrown(() => writeFileAtomic(file, "mine\n", "what I read\n")).message).toBe(
      `${file} changed while this command ran (another edit or run); nothing was written: run the command again`,
    );
    expect(readFileSync(file, "utf8")).toBe("someone else's edit\n");
  });
});

describe("withFileLock", () => {
  it("holds <file>.lock while the function runs, and removes it afterwards, also when the function throws", () => {
    const file = join(folder(), "access.yaml");
    expect(withFileLock(file, () => readFileSync(`${file}.lock`, "utf8"))).toBe(`${process.pid}\n`);
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(() =>
      withFileLock(file, () => {
        throw new Error("refused");
      }),
    ).toThrow("refused");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it("waits while another running process holds the lock, then takes it", async () => {
    const file = join(folder(), "access.yaml");
    const lock = `${file}.lock`;
    const holder = spawn(process.execPath, [
      "-e",
      `const fs = require("fs"); fs.writeFileSync(${JSON.stringify(lock)}, process.pid + "\\n"); setTimeout(() => fs.unlinkSync(${JSON.stringify(lock)}), 400);`,
    ]);
    while (!existsSync(lock)) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(withFileLock(file, () => readFileSync(lock, "utf8"), 10_000)).toBe(`${process.pid}\n`);
    await new Promise((resolve) => holder.on("close", resolve));
  });

  // A lock left by a process that is not running is taken over: test/stale-lock.test.ts.
  it("gives up after the timeout while the lock's process runs", () => {
    const file = join(folder(), "access.yaml");
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    expect(thrown(() => withFileLock(file, () => 1, 200)).message).toBe(
      `${file}.lock is held by process ${process.pid} (another run) for over 0.2 s; nothing was written`,
    );
    expect(existsSync(`${file}.lock`)).toBe(true);
  });
});

describe("account:add on the file system", () => {
  const args = (file: string) => ["svc-datastore", "--permissions", "docker:read-write", "--readers", "nexus-ci", "--config", file];

  it("on a full disk exits 1 with a one-line message and leaves access.yaml exactly as it was", () => {
    const file = join(folder(), "access.yaml");
    writeDataFile(file);
    const result = withFullDisk(500, () => runAccountAdd(args(file), { update: updateDataFile, env: {} }));
    expect(result).toEqual({ code: 1, stdout: "", stderr: `account:add: cannot write ${file}: ENOSPC (no space left on device); nothing was changed\n` });
    expect(readFileSync(file, "utf8")).toBe(DEFAULT_TEXT);
    expect(readdirSync(join(file, "..")).sort()).toEqual(["access.yaml", "trust.yaml"]);
  });

  it("does not overwrite an edit saved while it ran", () => {
    const file = join(folder(), "access.yaml");
    writeDataFile(file);
    const edited = `${DEFAULT_TEXT}# saved by an editor meanwhile\n`;
    const result = runAccountAdd(args(file), {
      update: (f, edit) =>
        updateDataFile(f, (text) => {
          writeFileSync(f, edited);
          return edit(text);
        }),
      env: {},
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`account:add: ${file} changed while this command ran (another edit or run); nothing was written: run the command again\n`);
    expect(readFileSync(file, "utf8")).toBe(edited);
  });

  it("loses no account when two runs (two processes) add one each at the same time", async () => {
    // Two trials here (each is two processes that load cdktf); the 30-trial measurement: test/support/account-add-race.ts.
    expect(await raceAccountAdd(2, DEFAULT_TEXT)).toEqual({ trials: 2, lost: 0, failed: [] });
  }, 60_000);
});
