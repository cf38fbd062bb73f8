/**
 * `npm run test:e2e`: the end-to-end tests against a real Vault server (test/e2e, docs/development.md "End-to-end tests"). Not part
 * of `npm test`. The global setup builds the pinned programs first (cached outside the repository) and prints every
 * version used; a failing test file prints the last lines of its servers' logs.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "<rootDir>/test/e2e/support/environment.js",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  transform: { "^.+\\.ts$": "<rootDir>/test/support/esbuild-transform.js" },
  globalSetup: "<rootDir>/test/e2e/support/global-setup.mjs",
  globalTeardown: "<rootDir>/test/e2e/support/global-teardown.mjs",
  // Servers start in beforeAll; a loaded 2-core machine can take tens of seconds. No test asserts a duration.
  testTimeout: 180_000,
  maxWorkers: 2,
};
