/** Reads the access data file, builds the stack, checks it against the guardrails, and writes cdk.tf.json. */
import { loadDataFile } from "./lib/config";
import { answerHelp, exitWithError, summarize, SYNTH_HELP, synthOptionsFrom } from "./lib/cli";
import { synthesize } from "./lib/synth";
import { skipCreationStackTraces } from "./lib/creation-stacks";

answerHelp(process.argv.slice(2), SYNTH_HELP);
skipCreationStackTraces();
try {
  const { file, backend } = synthOptionsFrom(process.argv.slice(2), process.env);
  const source = loadDataFile(file);
  const result = synthesize(source, backend);
  console.log(summarize(file, source.config, backend, result));
} catch (error) {
  exitWithError(error);
}
