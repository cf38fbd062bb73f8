// Snapshots of the mutation suite (test/support/mutation-suite.ts) go to reports/mutation-snapshots/: git-ignored, and
// never copied into Stryker's sandbox, where the unmutated dry run writes them before any mutant runs. A mutant
// that changes a snapshotted value therefore fails exactly as it would against __snapshots__/.
const path = require("node:path");

const rootOf = (testPath) => path.join(path.dirname(testPath), "..", "..");

module.exports = {
  resolveSnapshotPath: (testPath, extension) => path.join(rootOf(testPath), "reports", "mutation-snapshots", path.basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) =>
    path.join(path.dirname(snapshotPath), "..", "..", "test", "support", path.basename(snapshotPath, extension)),
  testPathForConsistencyCheck: path.join(__dirname, "mutation-suite.ts"),
};
