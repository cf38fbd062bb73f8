// Test environment of `npm run test:e2e`: Node's, plus the last lines of every server log of a test file that had a
// failure (a failed test or hook), printed when the file ends, and a "failed" mark in the run's folder so that the
// global teardown keeps the logs. test/e2e/support/processes.ts lists each log it opens in
// $E2E_RUN_DIR/logs-<worker pid>.txt; a worker runs one file at a time.
const { existsSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { TestEnvironment } = require("jest-environment-node");
const { logTail } = require("./log-tail");

class E2eEnvironment extends TestEnvironment {
  failed = false;

  async handleTestEvent(event) {
    if ((event.name === "test_done" && event.test.errors.length > 0) || event.name === "hook_failure") this.failed = true;
  }

  async teardown() {
    const runDir = process.env.E2E_RUN_DIR;
    const list = runDir && join(runDir, `logs-${process.pid}.txt`);
    const logs = list && existsSync(list) ? [...new Set(readFileSync(list, "utf8").split("\n").filter(Boolean))] : [];
    if (this.failed && runDir) {
      writeFileSync(join(runDir, "failed"), "");
      for (const file of logs) process.stderr.write(`\n--- last lines of ${file} ---\n${logTail(file)}\n--- end of ${file} ---\n`);
    }
    if (list) rmSync(list, { force: true });
    await super.teardown();
  }
}

module.exports = E2eEnvironment;
