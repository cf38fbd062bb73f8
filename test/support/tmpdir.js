/**
 * Each jest run gets a temporary folder of its own, and removes it at the end: every test file and every command a
 * test starts makes its temporary files (cdktf's own outdirs included) under it, through TMPDIR, which os.tmpdir()
 * reads. Without it a run of `npm test` left about 170 folders in the system's temporary folder.
 * Jest's globalSetup and globalTeardown (jest.config.js) call these; the workers start after the setup and inherit TMPDIR.
 */
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

const KEY = "CWIQ_TEST_TMPDIR";

/** Points TMPDIR in `env` at a new folder inside `parent` (the current temporary folder); returns the folder. */
function scopeTmpdir(env, parent = tmpdir()) {
  const dir = mkdtempSync(join(parent, "cwiq-test-"));
  env[KEY] = dir;
  env.TMPDIR = dir;
  return dir;
}

/** Removes the folder scopeTmpdir made, with everything in it. */
function removeScopedTmpdir(env) {
  if (env[KEY]) rmSync(env[KEY], { recursive: true, force: true });
}

module.exports = { scopeTmpdir, removeScopedTmpdir, KEY };
