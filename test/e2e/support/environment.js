// Test environment of `npm run test:e2e`: Node's, plus the last lines of every server log of a test file that had a
// failure (a failed test or hook), printed when the file ends. test/e2e/support/processes.ts lists each log it opens
// in $E2E_RUN_DIR/logs-<worker pid>.txt; a worker runs one file at a time.
const { existsSync, readFileSync, rmSync } = require("node:fs");
const { logTail } = require("./log-tail");
const { join } = require("node:path");
const { TestEnvironment } = require("jest-environment-node");

class E2eEnvironment extends TestEnvironment {
  failed = false;

  async handleTestEvent(event) {
    if ((event.name === "test_done" && event.test.errors.length > 0) || event.name === "hook_failure") this.failed = true;
  }

  async teardown() {
    const list = process.env.E2E_RUN_DIR && join(process.env.E2E_RUN_DIR, `logs-${process.pid}.txt`);
    if (list && existsSync(list)) {
      if (this.failed) {
        for (const file of [...new Set(readFileSync(list, "utf8").split("\n").filter(Boolean))]) {
          process.stderr.write(`\n--- last lines of ${file} ---\n${logTail(file)}\n--- end of ${file} ---\n`);
        }
      }
      rmSync(list, { force: true });
    }
    await super.teardown();
  }
}

module.exports = E2eEnvironment;
