// Jest for mutation testing: the in-process example-based tests. Left out: the two files that spawn
// `node scripts/synth.mjs` (the child process runs an unmutated bundle, so they cannot kill a mutant) and the
// property tests (they cover every rule and would run, seconds each, for every one of ~1000 mutants).
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testPathIgnorePatterns: ["/node_modules/", "/test/cli\\.test\\.ts$", "/test/secrets\\.test\\.ts$", "/test/properties\\.test\\.ts$"],
};
