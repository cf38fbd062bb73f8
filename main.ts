/** Reads the access data file, builds the stack and writes cdktf.out/stacks/<stack>/cdk.tf.json. */
import { App } from "cdktf";
import { loadConfig } from "./lib/config";
import { backendFromEnv, configFileFrom, exitWithError, summarize } from "./lib/cli";
import { VaultCiAccessStack } from "./constructs/access-stack";

try {
  const file = configFileFrom(process.argv.slice(2), process.env);
  const config = loadConfig(file);
  const backend = backendFromEnv(process.env);
  const app = new App();
  new VaultCiAccessStack(app, config.stack, { config, backend });
  app.synth();
  console.log(summarize(file, config, backend, app.outdir));
} catch (error) {
  exitWithError(error);
}
