// `npm test` runs the test files in a few groups, each group ONE jest test file (jest.suite.config.js). Jest gives
// every test file a module registry of its own, so each file loaded cdktf, the providers, zod and yaml again: about
// 0.3 s per file, 60 % of the workers' time with a dozen files, and more with every new file. A group loads them
// once for all its files. The same idea, with one group, is how mutation testing runs (test/support/mutation-suite.ts).
//
// Every test/*.test.ts belongs to a group, except a file with snapshots, which stays a jest test file of its own so
// that its snapshots stay in __snapshots__/<file>.snap. A new test file needs nothing: it joins the lighter group.
// Each file's tests sit in a describe named after the file, and its top-level beforeAll runs inside it.
// `npx jest test/<file>.test.ts` (jest.config.js) still runs one file on its own.
const { readdirSync, readFileSync, statSync } = require("node:fs");
const { join } = require("node:path");

const TEST_DIR = join(__dirname, "..");
/**
 * For the two jest workers of scripts/test.mjs: four groups plus the files with snapshots are enough jest test files
 * for jest to balance them over the workers by their last durations, and few enough that each load is shared.
 */
const GROUPS = 4;

const testFiles = () => readdirSync(TEST_DIR).filter((name) => name.endsWith(".test.ts")).sort();
const hasSnapshots = (file) => /\bto(Match|ThrowErrorMatching)(Inline)?Snapshot\(/.test(readFileSync(join(TEST_DIR, file), "utf8"));

/** Test files that run as jest test files of their own (they have snapshots). */
const standaloneFiles = () => testFiles().filter(hasSnapshots);

/** The files of group `index` (1-based): the largest file first into the group with fewer bytes so far. */
function groupFiles(index) {
  const groups = Array.from({ length: GROUPS }, () => ({ bytes: 0, files: [] }));
  const sized = testFiles()
    .filter((file) => !hasSnapshots(file))
    .map((file) => ({ file, bytes: statSync(join(TEST_DIR, file)).size }))
    .sort((a, b) => b.bytes - a.bytes || (a.file < b.file ? -1 : 1));
  for (const { file, bytes } of sized) {
    const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += bytes;
    lightest.files.push(file);
  }
  return groups[index - 1].files.sort();
}

/**
 * Registers the tests of the group that `groupFile` (test/support/group-<n>.suite.js) stands for. Refuses to run when
 * the group files and GROUPS disagree, so that no test file is ever left out unnoticed.
 */
function requireGroup(groupFile) {
  const files = readdirSync(__dirname).filter((name) => /^group-\d+\.suite\.js$/.test(name));
  if (files.length !== GROUPS || !files.every((name) => Number(/\d+/.exec(name)[0]) <= GROUPS)) {
    throw new Error(`test/support has group files ${files.join(", ")}: GROUPS in test-groups.js is ${GROUPS}, and there must be group-1.suite.js to group-${GROUPS}.suite.js`);
  }
  requireTestFiles(groupFiles(Number(/group-(\d+)\.suite\.js$/.exec(groupFile)[1])));
}

/** Registers the tests of `files` (names in test/) in this jest test file, each inside a describe named after it. */
function requireTestFiles(files) {
  for (const file of files) {
    describe(file, () => {
      require(join(TEST_DIR, file));
    });
  }
}

module.exports = { GROUPS, testFiles, standaloneFiles, groupFiles, requireGroup, requireTestFiles };
