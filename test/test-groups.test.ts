// npm test's grouping of the test files (test/support/test-groups.js, jest.suite.config.js): no file may be left out
// or run twice, whatever files other changes add.
import { join } from "node:path";
import { ROOT } from "./support/data";

const groups: {
  GROUPS: number;
  testFiles(): string[];
  standaloneFiles(): string[];
  groupFiles(index: number): string[];
} = require("./support/test-groups");
const suiteConfig: { testMatch: string[] } = require(join(ROOT, "jest.suite.config.js"));

describe("npm test's groups of test files", () => {
  it("run every test file exactly once: in one group, or on its own when it has snapshots", () => {
    const grouped = Array.from({ length: groups.GROUPS }, (_, i) => groups.groupFiles(i + 1)).flat();
    const all = groups.testFiles();
    expect(all).toEqual(expect.arrayContaining(["config.test.ts", "stack.test.ts", "test-groups.test.ts"]));
    expect([...grouped, ...groups.standaloneFiles()].sort()).toEqual(all);
    expect(new Set(grouped).size).toBe(grouped.length);
    expect(groups.standaloneFiles()).toEqual(expect.arrayContaining(["stack.test.ts", "pipeline.test.ts"]));
  });

  it("are what jest.suite.config.js runs: the group files and the files on their own", () => {
    expect(suiteConfig.testMatch).toEqual(["<rootDir>/test/support/group-*.suite.js", ...groups.standaloneFiles().map((file) => `<rootDir>/test/${file}`)]);
  });
});
