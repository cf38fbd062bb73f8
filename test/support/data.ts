/** The default data file, and small variations of it, without loading cdktf (for tests that never synthesize). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { type Config, ConfigError, parseConfig } from "../../lib/config";

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

/** The problems the loader reports for `data` after `change` (fails the test if the data is accepted). */
export function problemsAfter(data: any, change: (data: any) => void): string[] {
  change(data);
  try {
    configFrom(data);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the data to be rejected");
}
