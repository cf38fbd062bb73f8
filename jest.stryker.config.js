// Jest for mutation testing: the in-process tests only. The two files that spawn `node scripts/synth.mjs`
// would run an unmutated bundle (the child process does not see Stryker's active mutant) and only cost time.
const base = require("./jest.config.js");

module.exports = { ...base, testPathIgnorePatterns: ["/node_modules/", "/test/cli\\.test\\.ts$", "/test/secrets\\.test\\.ts$"] };
