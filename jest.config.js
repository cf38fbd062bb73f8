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
  // The operator's variables exported in every test file (TF_HTTP_ADDRESS, VAULT_TOKEN, TF_VAR_*, ...): npm test must
  // pass on the machines that plan and apply too.
  setupFiles: ["<rootDir>/test/support/operator-env.ts"],
  // The run's own temporary folder, removed at its end (test/support/tmpdir.js).
  globalSetup: "<rootDir>/test/support/tmpdir-setup.js",
  globalTeardown: "<rootDir>/test/support/tmpdir-teardown.js",
  // When its last run found every file fast (under 1 s each, at most 20 files), jest runs them one after the other in
  // its own process, leaving the second core idle. Setting an idle-memory limit turns that heuristic off; the limit itself is never reached.
  workerIdleMemoryLimit: "2GB",
  // Jest gives a worker 500 ms (its default) to exit after the last test, then kills it and prints "A worker process
  // has failed to exit gracefully". Nothing leaks here: --detectOpenHandles finds nothing, and each worker's event loop
  // is empty at once (its 'exit' event fires within 1 ms). But a worker holds 200-350 MB (cdktf is loaded into every
  // test file's module registry), and tearing that down after 'exit' takes 30-200 ms on an idle 2-core machine, and
  // over 1 s when other processes load it (measured with 14 busy processes beside npm test: both workers still
  // running their teardown at 500 ms, every run). A real leak still gets reported, after this longer wait.
  workerGracefulExitTimeout: 10_000,
};
