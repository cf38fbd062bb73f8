// Jest for mutation testing: the in-process example-based tests. Left out: the two files that spawn
// `node scripts/synth.mjs` (the child process runs an unmutated bundle, so they cannot kill a mutant) and the
// property tests (they cover every rule and would run, seconds each, for every one of ~1000 mutants).
const base = require("./jest.config.js");

module.exports = {
  ...base,
  // Every source folder is a root so that jest's dependency graph is complete: Stryker runs only the test files that
  // import the mutated file (jest --findRelatedTests), and a chain such as rules/roles.ts -> rules/index.ts ->
  // lib/synth.ts -> test/synth.test.ts is only followed through files jest knows. Tests are still only test/**.
  roots: ["<rootDir>/test", "<rootDir>/lib", "<rootDir>/rules", "<rootDir>/constructs"],
  testPathIgnorePatterns: ["/node_modules/", "/test/cli\\.test\\.ts$", "/test/secrets\\.test\\.ts$", "/test/properties\\.test\\.ts$"],
};
