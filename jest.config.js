/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // esbuild strips types in milliseconds; tsc (run by `npm test` beside jest) is what type-checks.
  transform: { "^.+\\.ts$": "<rootDir>/test/support/esbuild-transform.js" },
  snapshotResolver: "<rootDir>/test/support/snapshot-resolver.js",
  // The operator's variables exported in every test file (TF_HTTP_ADDRESS, VAULT_TOKEN, TF_VAR_*, ...): npm test must
  // pass on the machines that plan and apply too.
  setupFiles: ["<rootDir>/test/support/operator-env.ts"],
  // When its last run found every file fast (under 1 s each, at most 20 files), jest runs them one after the other in
  // its own process, leaving the second core idle. Setting an idle-memory limit turns that heuristic off; the limit itself is never reached.
  workerIdleMemoryLimit: "2GB",
};
