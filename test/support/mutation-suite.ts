/**
 * The test files of `npm test`, as ONE jest test file, for mutation testing only (jest.stryker.config.js; docs/development.md,
 * Mutation testing). Stryker runs jest once per mutant; as separate files, every file would load cdktf, zod and the
 * providers again for each of about 1500 mutants, even when none of its tests is selected. Here they load once per
 * mutant. Each file's tests sit in a describe named after the file, so a file's top-level beforeAll runs only when
 * one of its tests is selected.
 *
 * Left out: cli.test.ts and cdktf-cli.test.ts (they test the commands in a child process, which runs an unmutated
 * bundle, so they cannot kill a mutant; cdktf-cli.test.ts also needs the real node_modules, which the sandbox only
 * links), atomic-write.test.ts and access-diagram.test.ts (they reach the rules only on the way to what they test,
 * the file writes of concurrent processes and mermaid's parser in a child process, seconds per mutant that can kill
 * nothing the rule tests do not), properties.test.ts (it runs every rule over generated configurations,
 * seconds each, for every mutant), access-diff-base.test.ts (it builds git commits with their own code in a child
 * process, seconds per mutant), settings.test.ts and secret-scan.test.ts (child processes and secretlint: they
 * test the commands and the scanner, not a guardrail's logic), and codeowners.test.ts (it reads git's list of tracked
 * files, which Stryker's sandbox does not have, and tests CODEOWNERS, not the code under mutation).
 */
const { testFiles, requireTestFiles }: { testFiles(): string[]; requireTestFiles(files: string[]): void } = require("./test-groups");

const LEFT_OUT = new Set([
  "cli.test.ts",
  "cdktf-cli.test.ts",
  "atomic-write.test.ts",
  "access-diagram.test.ts",
  "properties.test.ts",
  "access-diff-base.test.ts",
  "settings.test.ts",
  "secret-scan.test.ts",
  "codeowners.test.ts",
]);

requireTestFiles(testFiles().filter((name) => !LEFT_OUT.has(name)));
