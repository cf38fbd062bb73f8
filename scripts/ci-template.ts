/**
 * `npm run ci-template`: writes the GitLab CI templates generated from the data file (lib/operations/ci-template.ts).
 * `npm run ci-template -- --check` writes nothing and fails when a committed template differs from a fresh render.
 */
import { readFileSync } from "node:fs";
import { writeFilesAtomic } from "../lib/synth/atomic-write";
import { ConfigError, loadDataFile } from "../lib/model/config";
import { answerHelp, CONFIG_OPTION_HELP, configFileFrom, exitWithError } from "../lib/synth/cli";
import { PIPELINE_TEMPLATE_FILE, renderPipelineTemplate, renderSecretsTemplate, SECRETS_TEMPLATE_FILE, TemplateError } from "../lib/operations/ci-template";

const HELP = `usage: npm run ci-template [-- --check] [--config <file>]

Writes the GitLab CI templates generated from the data file: ${SECRETS_TEMPLATE_FILE} (the hidden jobs platform
pipelines extend) and ${PIPELINE_TEMPLATE_FILE} (this repository's pipeline logins), both whole or neither.

options:
  --check           write nothing; fail when a committed template differs from a fresh render
${CONFIG_OPTION_HELP}
  -h, --help        this help

exit codes:
  0  written (or, with --check, both current)
  1  stale (--check), the data file is not valid, the data cannot produce a template, or a file cannot be written`;

answerHelp(process.argv.slice(2), HELP);
try {
  const args = process.argv.slice(2);
  const check = args.includes("--check");
  const file = configFileFrom(args.filter((a) => a !== "--check"), process.env);
  const { config } = loadDataFile(file);
  const rendered = [
    [SECRETS_TEMPLATE_FILE, renderSecretsTemplate(config)],
    [PIPELINE_TEMPLATE_FILE, renderPipelineTemplate(config)],
  ] as const;
  const stale = rendered.filter(([path, text]) => read(path) !== text).map(([path]) => path);
  if (check) {
    if (stale.length > 0) {
      process.stderr.write(`ci-template: stale, generated from ${file} differs: ${stale.join(", ")}. Run npm run ci-template and commit the result.\n`);
      process.exit(1);
    }
    console.log(`ci-template: ${rendered.map(([path]) => path).join(" and ")} match ${file}`);
  } else {
    writeFilesAtomic(rendered.map(([file, text]) => ({ file, text })));
    console.log(`ci-template: wrote ${rendered.map(([path]) => path).join(" and ")} from ${file}${stale.length === 0 ? " (unchanged)" : ""}`);
  }
} catch (error) {
  if (error instanceof TemplateError || error instanceof ConfigError) {
    const why = error instanceof ConfigError ? `${error.file} is not valid\n${error.message}` : error.message;
    process.stderr.write(`ci-template refused: ${why}\nNothing was written.\n`);
    process.exit(1);
  }
  exitWithError(error);
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
