/** Data-file builders for tests (test/support/data.ts), and the synthesized stack built from them. */
import { App, Testing } from "cdktf";
import type { Config } from "../../lib/config";
import { VaultCiAccessStack, type StateBackend } from "../../constructs/access-stack";
import { defaultConfig } from "./data";

export { ROOT, DEFAULT_FILE, DEFAULT_TEXT, defaultData, configFrom, defaultConfig, problemsAfter } from "./data";

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
