/** Rule inputs for guardrail tests: the default configuration, as data and as synthesized JSON, to be mutated. */
import { Testing } from "cdktf";
import type { RuleInput } from "../../rules/rule";
import { VaultCiAccessStack } from "../../constructs/access-stack";
import type { Config } from "../../lib/model/config";
import { stackJson } from "../../lib/synth/stack-json";
import { defaultConfig, defaultData, trustFor } from "./data";
import { skipCreationStackTraces } from "../../lib/synth/creation-stacks";

skipCreationStackTraces(); // as in ./fixtures.ts

/** Mutable copies, so a fixture can break exactly one thing. */
export interface MutableInput {
  file: string;
  config: any;
  data: any;
  tf: any;
  trust: any;
}

export function inputFor(config?: Config, data: unknown = defaultData()): MutableInput {
  const tf = config ? synthesizedJson(config) : structuredClone((defaultTf ??= synthesizedJson(defaults())));
  return { file: "access.yaml", config: structuredClone(config ?? defaults()), data: structuredClone(data), tf, trust: trustFor() };
}

/** The default data is parsed and its stack synthesized once per test file; each input gets its own copy. */
let defaultTf: unknown;
let defaultParsed: Config | undefined;
const defaults = (): Config => (defaultParsed ??= defaultConfig());

/** The Terraform JSON the stack synthesizes for `config`, as the guardrails see it (not validated by the schema). */
export function synthesizedJson(config: Config): any {
  const stack = new VaultCiAccessStack(Testing.app(), config.stack, { config });
  return JSON.parse(JSON.stringify(stackJson(stack)));
}

/** After a fixture changed `config`, synthesize again so that data and stack agree, as they do in a real synth. */
export function resynthesize(input: MutableInput): void {
  input.tf = synthesizedJson(input.config);
}

export const asInput = (input: MutableInput): RuleInput => input as RuleInput;
