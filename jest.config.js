/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // esbuild strips types in milliseconds; `tsc --noEmit` (run by `npm test` first) is what type-checks.
  transform: { "^.+\\.ts$": "<rootDir>/test/support/esbuild-transform.js" },
  snapshotResolver: "<rootDir>/test/support/snapshot-resolver.js",
  setupFilesAfterEnv: ["<rootDir>/test/support/setup.ts"],
};
