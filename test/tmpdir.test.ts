/** Every jest run has its own temporary folder and removes it (test/support/tmpdir.js, jest.config.js). */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync } from "node:child_process";

const { scopeTmpdir, removeScopedTmpdir, KEY } = require("./support/tmpdir");

describe("the test run's own temporary folder", () => {
  it("is where this test's temporary files go, and where the commands a test starts put theirs", () => {
    const scoped = process.env[KEY];
    expect(scoped).toBeDefined();
    expect(tmpdir()).toBe(scoped);
    expect(mkdtempSync(join(tmpdir(), "x-")).startsWith(`${scoped}/`)).toBe(true);
    expect(execFileSync(process.execPath, ["-p", "require('node:os').tmpdir()"], { encoding: "utf8" }).trim()).toBe(scoped);
  });

  it("is made inside the temporary folder it replaces, and removed with everything in it", () => {
    const outer = mkdtempSync(join(tmpdir(), "outer-"));
    const env: Record<string, string> = {};
    const dir: string = scopeTmpdir(env, outer);
    expect(dirname(dir)).toBe(outer);
    expect(env).toEqual({ TMPDIR: dir, [KEY]: dir });
    writeFileSync(join(mkdtempSync(join(dir, "cdktf.outdir.")), "cdk.tf.json"), "{}");
    removeScopedTmpdir(env);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(outer)).toBe(true);
  });
});
