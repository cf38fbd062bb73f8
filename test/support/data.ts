/**
 * The tests' data, and small variations of it, without loading cdktf (for tests that never synthesize).
 *
 * "Default" here means CWIQ's data FROZEN in test/fixtures/cwiq-frozen.yaml, not the live access.yaml: behaviour
 * tests assert facts of that fixture, so that adding an account, rotating a password or enabling the pipeline in
 * access.yaml never breaks them. The live file is read only by test/live-data.test.ts (and the reviewed snapshot in
 * test/stack.test.ts), which check only what must hold after any valid change.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { type Config, ConfigError, type DataFile, loadTrustFile, parseConfig, parseDataFile, validateData } from "../../lib/model/config";
import { trustAdmitting, type Trust } from "../../lib/model/trust";

export const ROOT = join(__dirname, "..", "..");
export const DEFAULT_FILE = join(ROOT, "test", "fixtures", "cwiq-frozen.yaml");
/** The organisation's live data file: only for the checks that must hold after any valid change. */
export const LIVE_FILE = join(ROOT, "access.yaml");
export const DEFAULT_TEXT = readFileSync(DEFAULT_FILE, "utf8");

/** Writes a data file and, beside it, the fixture's trust.yaml (read only when a test passes it explicitly: the loader takes the repository's, lib/model/trust.ts). */
export function writeDataFile(file: string, text: string = DEFAULT_TEXT): void {
  writeFileSync(file, text);
  copyFileSync(join(dirname(DEFAULT_FILE), "trust.yaml"), join(dirname(file), "trust.yaml"));
}

// YAML is parsed once per test file: parsing and validating the default text accounts for a large share of the suite's time.
let defaultParsed: unknown;
let defaultValidated: Config | undefined;

/** The default data as a plain object (a fresh copy), to be changed by a test and validated with configFrom. */
export function defaultData(): any {
  return structuredClone((defaultParsed ??= parse(DEFAULT_TEXT)));
}

/** Validates data given as an object (after a test changed it), as the loader does after reading YAML. */
export function configFrom(data: unknown, file = "test.yaml"): Config {
  return validateData(structuredClone(data), file).config;
}

/** The frozen CWIQ data, validated (a fresh copy: a test may change it). */
export const defaultConfig = (): Config => structuredClone((defaultValidated ??= parseConfig(DEFAULT_TEXT, "access.yaml")));

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

/** The fixtures' trust anchors (test/fixtures/trust.yaml; examples/trust.yaml for the examples), read once per test file. */
const trusts = new Map<string, Trust>();
export function trustFor(dataFile: string = DEFAULT_FILE): Trust {
  const trustFile = join(ROOT, dataFile.includes("examples/") ? "examples" : "test/fixtures", "trust.yaml");
  if (!trusts.has(trustFile)) trusts.set(trustFile, loadTrustFile(trustFile));
  return structuredClone(trusts.get(trustFile)!);
}

/**
 * A fixture data file with the trust.yaml of its own folder, given explicitly: the loader never takes trust anchors
 * from beside a data file (lib/model/trust.ts trustFileFor), and a test's fixture keeps its own.
 */
export function loadFixture(file: string): DataFile {
  return parseDataFile(readFileSync(file, "utf8"), file, loadTrustFile(join(dirname(file), "trust.yaml")));
}

/** Trust anchors that allow exactly what `data` declares (for generated data, which uses other URLs and ids). */
export const trustAllowing = (data: any): Trust => trustAdmitting(data);
