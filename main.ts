/** Reads the access data file, builds the stack, checks it against the guardrails, and writes cdk.tf.json. */
import { answerHelp, collectGarbageSooner, exitWithError, loadSource, summarize, SYNTH_HELP, synthOptionsFrom } from "./lib/synth/cli";
import { synthesize } from "./lib/synth/synth";
import { skipCreationStackTraces } from "./lib/synth/creation-stacks";
import { checkHclFile } from "./lib/synth/stack-hcl";

answerHelp(process.argv.slice(2), SYNTH_HELP);

async function main(): Promise<void> {
  collectGarbageSooner();
  skipCreationStackTraces();
  // In the pipeline the repository's own access.yaml and trust.yaml, whatever the environment says (lib/synth/cli.ts).
  const { file, backend, trustFile } = synthOptionsFrom(process.argv.slice(2), process.env);
  const source = loadSource(file, trustFile);
  const result = synthesize(source, backend);
  if (result.hclOf) await checkHclFile(result.stackFile, result.hclOf);
  console.log(summarize(file, source.config, backend, result));
}

main().catch((error) => exitWithError(error));
