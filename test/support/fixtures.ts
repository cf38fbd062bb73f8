/** Data-file builders for tests (test/support/data.ts), and the synthesized stack built from them. */
import { App, Testing } from "cdktf";
import type { Config } from "../../lib/model/config";
import { VaultCiAccessStack, type StateBackend } from "../../constructs/access-stack";
import { defaultConfig } from "./data";
import { skipCreationStackTraces } from "../../lib/synth/creation-stacks";

// As the synth command does: under jest every recorded stack frame is also source-mapped, a quarter of a second over
// the suite. test/cli.test.ts keeps them on and compares its in-process synth with the command's output.
skipCreationStackTraces();

export { ROOT, DEFAULT_FILE, LIVE_FILE, DEFAULT_TEXT, defaultData, configFrom, defaultConfig, problemsAfter, loadFixture } from "./data";

/** The synthesized Terraform JSON of a stack built from `config`, parsed. */
export function synthStack(config: Config = defaultConfig(), backend?: StateBackend): any {
  const app: App = Testing.app();
  const stack = new VaultCiAccessStack(app, config.stack, { config, backend });
  return JSON.parse(Testing.synth(stack));
}

/** Same, as the string the cdktf matchers expect. */
export function synthStackText(config: Config = defaultConfig()): string {
  const app: App = Testing.app();
  return Testing.synth(new VaultCiAccessStack(app, config.stack, { config }));
}
