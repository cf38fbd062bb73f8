/**
 * The commands scripts/run.mjs runs from one bundle: the synth (main.ts) and every package.json command written in
 * TypeScript. They share nearly all their code (each alone bundled to 2.7 MB, cdktf included), so one bundle serves
 * them all: after an edit, the first command to run rebuilds one bundle and one code cache, where it was one per
 * command (six esbuild builds in the first `npm test` after an edit). A command's module runs only when it is asked
 * for, when its `require` runs (esbuild evaluates a required module on its first require).
 */
export const COMMANDS: Readonly<Record<string, () => unknown>> = {
  "main.ts": () => require("../main"),
  "scripts/account-add.ts": () => require("./account-add"),
  "scripts/access.ts": () => require("./access"),
  "scripts/access-diff.ts": () => require("./access-diff"),
  "scripts/ci-template.ts": () => require("./ci-template"),
  "scripts/rules-table.ts": () => require("./rules-table"),
};
