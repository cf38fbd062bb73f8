/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // test/e2e is `npm run test:e2e` (jest.e2e.config.js): real servers, not part of `npm test`.
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
  // esbuild strips types in milliseconds; tsc (run by `npm test` beside jest) is what type-checks.
  transform: { "^.+\\.ts$": "<rootDir>/test/support/esbuild-transform.js" },
  snapshotResolver: "<rootDir>/test/support/snapshot-resolver.js",
  // When its last run found every file fast (under 1 s each, at most 20 files), jest runs them one after the other in
  // its own process, leaving the second core idle. Setting an idle-memory limit turns that heuristic off; the limit itself is never reached.
  workerIdleMemoryLimit: "2GB",
};
