/** Reads the access data file, builds the stack, checks it against the guardrails, and writes cdk.tf.json. */
import { loadDataFile } from "./lib/model/config";
import { answerHelp, collectGarbageSooner, exitWithError, summarize, SYNTH_HELP, synthOptionsFrom } from "./lib/synth/cli";
import { synthesize } from "./lib/synth/synth";
import { skipCreationStackTraces } from "./lib/synth/creation-stacks";
import { checkHclFile } from "./lib/synth/stack-hcl";

answerHelp(process.argv.slice(2), SYNTH_HELP);

async function main(): Promise<void> {
  collectGarbageSooner();
  skipCreationStackTraces();
  const { file, backend } = synthOptionsFrom(process.argv.slice(2), process.env);
  const source = loadDataFile(file);
  const result = synthesize(source, backend);
  if (result.hclOf) await checkHclFile(result.stackFile, result.hclOf);
  console.log(summarize(file, source.config, backend, result));
}

main().catch((error) => exitWithError(error));
