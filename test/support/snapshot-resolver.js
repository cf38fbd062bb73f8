// Snapshots live in the top-level __snapshots__/ folder, named after their test file, so reviewers find them.
const path = require("node:path");

const root = path.join(__dirname, "..", "..");

module.exports = {
  resolveSnapshotPath: (testPath, extension) => path.join(root, "__snapshots__", path.basename(testPath) + extension),
  resolveTestPath: (snapshotPath, extension) => path.join(root, "test", path.basename(snapshotPath, extension)),
  testPathForConsistencyCheck: path.join(root, "test", "stack.test.ts"),
};
