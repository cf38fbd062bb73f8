// Jest for `npm test` (scripts/test.mjs): the same tests as jest.config.js, with the test files in groups, each group
// one jest test file, so that cdktf, zod and the providers load once per group instead of once per file
// (test/support/test-groups.js). Files with snapshots stay files of their own.
const base = require("./jest.config.js");
const { standaloneFiles } = require("./test/support/test-groups.js");

module.exports = {
  ...base,
  testMatch: ["<rootDir>/test/support/group-*.suite.js", ...standaloneFiles().map((file) => `<rootDir>/test/${file}`)],
};
