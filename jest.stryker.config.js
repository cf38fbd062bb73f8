// Jest for mutation testing (stryker.config.json): the in-process tests of `npm test` as one test file,
// test/support/mutation-suite.ts, which says which files are left out and why.
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["<rootDir>/test/support/mutation-suite.ts"],
  // After the first failing test, the rest of a run are no-ops: one failure is all Stryker needs to count a kill.
  // An absolute path: Stryker loads the environment itself and does not expand <rootDir>.
  testEnvironment: require.resolve("./test/support/mutation-environment.js"),
  snapshotResolver: "<rootDir>/test/support/mutation-snapshot-resolver.js",
  // The dry run must write the suite's snapshots even where jest would detect CI and refuse to.
  ci: false,
};
