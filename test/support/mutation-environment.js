// Jest's node environment for mutation testing only (jest.stryker.config.js): once a test has failed, the tests after
// it in the same run are not executed (their bodies become no-ops). Stryker runs jest once per mutant over one test
// file (test/support/mutation-suite.ts), so jest's own `bail` (per test file) never stops a run early: a mutant the
// first of its 300 covering tests kills still ran the other 299. Stryker needs one failure to count a mutant killed;
// a surviving mutant still runs every test that reaches it. Never used by `npm test`.
const { TestEnvironment } = require("jest-environment-node");

class StopAfterFirstFailure extends TestEnvironment {
  failed = false;

  async handleTestEvent(event) {
    if (event.name === "test_fn_failure" || event.name === "hook_failure") this.failed = true;
    // jest-circus reads test.fn when it calls it, after this event (jest-circus/build/run.js _callCircusTest).
    if (event.name === "test_fn_start" && this.failed) event.test.fn = () => {};
  }
}

module.exports = StopAfterFirstFailure;
