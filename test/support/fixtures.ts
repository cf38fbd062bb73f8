/** Data-file builders for tests: the real default file, and small variations of it. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { App, Testing } from "cdktf";
import { type Config, parseConfig } from "../../lib/config";
import { VaultCiAccessStack, type StateBackend } from "../../constructs/access-stack";

export const ROOT = join(__dirname, "..", "..");
export const DEFAULT_FILE = join(ROOT, "access.yaml");
export const DEFAULT_TEXT = readFileSync(DEFAULT_FILE, "utf8");

/** The default data as a plain object, to be changed by a test and turned back into YAML. */
export function defaultData(): any {
  return parse(DEFAULT_TEXT);
}

/** Validates data given as an object (after a test changed it), like the loader does for a file. */
export function configFrom(data: unknown, file = "test.yaml"): Config {
  return parseConfig(stringify(data), file);
}

export const defaultConfig = (): Config => parseConfig(DEFAULT_TEXT, "access.yaml");

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
