/** The command-line side of synth: which data file, which state backend, what to print. */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Config, DataFile } from "../model/config";
import { ConfigError, loadDataFile, loadTrustFile, parseDataFile, readDataFileText, writesPassword } from "../model/config";
import { REPOSITORY_ROOT, TRUST_FILE_NAME } from "../model/trust";
import { plural, redactCredentials } from "../model/text";
import { checkWhatParsed, GuardrailError, type SynthResult } from "./synth";
import { deriveAccess } from "../model/access";
import { FileWriteError } from "./atomic-write";
import type { StateBackend } from "../../constructs/access-stack";
import { ACCOUNT_GUARD_ADDRESS } from "../../constructs/account-guard";

export const DEFAULT_CONFIG_FILE = "access.yaml";
/** For the cdktf CLI, which cannot pass arguments to the app: `ACCESS_CONFIG=staging.yaml cdktf synth`. */
export const CONFIG_ENV = "ACCESS_CONFIG";
/** For the cdktf CLI, which cannot pass arguments to the app: `ACCESS_STATE=local cdktf synth`. */
export const STATE_ENV = "ACCESS_STATE";
const STATE_KINDS = ["gitlab", "local"] as const;

/**
 * Whether this runs in a GitLab CI job (GitLab sets GITLAB_CI=true and CI=true in every job). There the synth (and
 * so the plan and apply of its output) reads only the repository's own access.yaml and trust.yaml: a CI/CD variable
 * or a manually run pipeline's variable could otherwise point it at a data file that brings other trust anchors.
 */
export const inPipeline = (env: NodeJS.ProcessEnv): boolean => env.GITLAB_CI === "true" || env.CI === "true";

/** A setting's value, safe to print (a URL's user:password@ and ?private_token= as ***). */
const shown = (value: string): string => JSON.stringify(redactCredentials(value));

/**
 * In the pipeline, every setting that redirects the data is refused, naming it; the pipeline itself passes none
 * (.gitlab-ci.yml: `npm run synth`, `npm run ci-template -- --check`, `npm run access:diff -- <base>`).
 */
function refuseOverridesInPipeline(options: Partial<Record<string, string>>, env: NodeJS.ProcessEnv): void {
  if (!inPipeline(env)) return;
  const set = [
    ...Object.entries(options).flatMap(([name, value]) => (value === undefined ? [] : [`--${name} ${shown(value)}`])),
    ...[CONFIG_ENV, STATE_ENV].flatMap((name) => (env[name] ? [`${name}=${shown(env[name])}`] : [])),
  ];
  if (set.length === 0) return;
  throw new UsageError(
    `refused in the pipeline (GITLAB_CI or CI is "true"): ${set.join(", ")}. The pipeline reads only the repository's own ${DEFAULT_CONFIG_FILE} and ${TRUST_FILE_NAME} with GitLab-managed state; remove the setting (a CI/CD variable, or a variable of a manually run pipeline) (docs/plan-and-apply.md "What the pipeline reads")`,
  );
}

/** The repository's own data file, resolved from the repository root (not the current folder), named relative to `cwd` when inside it. */
export function repositoryDataFile(cwd: string = process.cwd()): string {
  const file = join(REPOSITORY_ROOT, DEFAULT_CONFIG_FILE);
  const name = relative(cwd, file);
  return name.startsWith("..") || isAbsolute(name) ? file : name;
}

/**
 * A relative `--config` or `--trust` name as the operator meant it: from the folder npm was started in. `npm run`
 * runs every script at the package root and records that folder in INIT_CWD, so `cd examples && npm run synth --
 * --config project-role.yaml` means examples/project-role.yaml. Returned relative to `cwd` when inside it. Only
 * while `cwd` is the root npm runs the script in (npm_package_json's folder): a process started elsewhere inherits
 * INIT_CWD too (access:diff's synth of the base commit, in its own checkout), and its names are its own folder's.
 */
export function fromInvocationFolder(path: string, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string {
  const started = env.INIT_CWD;
  const byNpm = env.npm_package_json !== undefined && resolve(dirname(env.npm_package_json)) === resolve(cwd);
  if (!started || !byNpm || isAbsolute(path) || resolve(started) === resolve(cwd)) return path;
  const file = resolve(started, path);
  const name = relative(cwd, file);
  return name.startsWith("..") || isAbsolute(name) ? file : name;
}

/** The data file: in the pipeline the repository's own; else `--config <file>` or `--config=<file>`, else $ACCESS_CONFIG, else access.yaml. */
export function configFileFrom(args: readonly string[], env: NodeJS.ProcessEnv): string {
  return dataFileFrom(optionsFrom(args, ["config"]).config, env);
}

/** The data file named by `--config` (given or not) and the environment; the pipeline refuses any override. */
export function dataFileFrom(config: string | undefined, env: NodeJS.ProcessEnv): string {
  refuseOverridesInPipeline({ config }, env);
  if (inPipeline(env)) return repositoryDataFile();
  return config !== undefined ? fromInvocationFolder(config, env) : env[CONFIG_ENV] || DEFAULT_CONFIG_FILE;
}

export interface SynthOptions {
  readonly file: string;
  readonly backend: StateBackend;
  /** `--trust <file>` (never in the pipeline): other trust anchors, given explicitly; else the repository's own (trustFileFor). */
  readonly trustFile?: string;
}

/** The synth command's options: `--config <file>`, `--state gitlab|local` (else $ACCESS_STATE, else gitlab) and `--trust <file>`. */
export function synthOptionsFrom(args: readonly string[], env: NodeJS.ProcessEnv): SynthOptions {
  const options = optionsFrom(args, ["config", "state", "trust"]);
  refuseOverridesInPipeline(options, env);
  const state = options.state ?? (env[STATE_ENV] || "gitlab");
  if (!(STATE_KINDS as readonly string[]).includes(state)) {
    throw new UsageError(`--state ${shown(state)}: must be one of ${STATE_KINDS.join(", ")} (gitlab: GitLab-managed state, configured at terraform init by TF_HTTP_*; local: a state file, for experiments)`);
  }
  const backend = { kind: state as StateBackend["kind"] };
  return { file: dataFileFrom(options.config, env), backend, ...(options.trust ? { trustFile: fromInvocationFolder(options.trust, env) } : {}) };
}

/**
 * Reads the data file (and the trust file, when given explicitly). A missing file is named, with the folder a
 * relative name is resolved from, instead of a bare ENOENT.
 */
export function loadSource(file: string, trustFile?: string, cwd: string = process.cwd()): DataFile {
  for (const [what, path] of [["data file", file], ["trust file", trustFile]] as const) {
    if (path !== undefined && !existsSync(resolve(cwd, path))) {
      throw new UsageError(`the ${what} ${shown(path)} does not exist${isAbsolute(path) ? "" : ` in ${cwd} (a relative name is resolved from the current folder)`}`);
    }
  }
  return trustFile === undefined ? loadDataFile(file) : parseDataFile(readDataFileText(file), file, loadTrustFile(trustFile));
}

/** `--name value` or `--name=value` for each allowed name; anything else is a usage error. */
function optionsFrom<N extends string>(args: readonly string[], names: readonly N[]): Partial<Record<N, string>> {
  const options: Partial<Record<N, string>> = {};
  const usage = names.map((n) => `--${n} <${n === "state" ? n : "file"}>`).join(", ");
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = names.find((n) => arg === `--${n}` || arg.startsWith(`--${n}=`));
    if (!name) throw new UsageError(`unknown argument ${shown(arg)}: the options are ${usage}`);
    const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[++i];
    if (!value || value.startsWith("--")) throw new UsageError(`--${name} needs a value: ${usage}`);
    options[name] = value;
  }
  return options;
}

export class UsageError extends Error {}

/** Whether the command line asks for help (`--help` or `-h`, anywhere). */
export const wantsHelp = (args: readonly string[]): boolean => args.some((arg) => arg === "--help" || arg === "-h");

/** Prints `help` and exits 0 when the command line asks for it: before anything is read or written. */
export function answerHelp(args: readonly string[], help: string): void {
  if (!wantsHelp(args)) return;
  process.stdout.write(`${help.trimEnd()}\n`);
  process.exit(0);
}

/** The data-file option every command shares, as its help lists it. */
export const CONFIG_OPTION_HELP = `  --config <file>   the data file (default: $${CONFIG_ENV}, else ${DEFAULT_CONFIG_FILE})`;

export const SYNTH_HELP = `usage: npm run synth [-- --config <file>] [--state gitlab|local] [--trust <file>]

Loads the data file, builds the stack, runs every guardrail, and only then writes
cdktf.out/stacks/<stack>/cdk.tf.json and cdktf.out/manifest.json (each whole or not at all), then removes the cdk.tf
an earlier \`cdktf synth --hcl\` left there (one format per stack folder), and prints a summary.

options:
${CONFIG_OPTION_HELP}
  --state <kind>    gitlab (default): GitLab-managed state, an http backend that terraform init configures from
                    TF_HTTP_ADDRESS, TF_HTTP_LOCK_ADDRESS, TF_HTTP_UNLOCK_ADDRESS, TF_HTTP_USERNAME and
                    TF_HTTP_PASSWORD (synth reads none of them); local: terraform.<stack>.tfstate, for experiments
  --trust <file>    other trust anchors, for generated data (default: examples/trust.yaml for a data file in
                    examples/, else the repository's trust.yaml; never one beside the data file)
  -h, --help        this help

environment:
  ACCESS_CONFIG     the data file, when --config is not given (for the cdktf CLI)
  ACCESS_STATE      the state kind, when --state is not given (for the cdktf CLI)
  GITLAB_CI, CI     "true" (a GitLab CI job): the repository's own access.yaml and trust.yaml only; --config,
                    --state, --trust, ACCESS_CONFIG and ACCESS_STATE are refused
exit codes:
  0  written
  1  refused: the data file is not valid, a guardrail is violated, a bad argument, or a file cannot be written;
     nothing was written`;

/** A few lines that say what the synthesized stack declares. */
export function summarize(file: string, config: Config, backend: StateBackend, result: SynthResult): string {
  const access = deriveAccess(config);
  const handSet = config.accounts.filter((a) => !writesPassword(a)).map((a) => a.name);
  const imports = result.imports;
  const justified = config.accounts.filter((a) => a.justification);
  const lines = [
    `Synthesized stack "${config.stack}" from ${redactCredentials(file)} -> ${result.stackFile}`,
    `  auth      ${config.vault.jwtMount}/ trusts ID tokens from ${config.gitlab.url}`,
    ...config.roles.map((role) => {
      const claims = Object.entries(role.boundClaims).map(([k, v]) => `${k}=${v}`).join(", ");
      return `  role      ${role.name}: ${claims}; aud ${role.audiences.join(", ")}; ttl ${role.tokenTtl}/${role.tokenMaxTtl}, ${role.tokenNumUses} uses; ${access.rolePolicies.get(role.name)?.length ?? 0} read policies`;
    }),
    ...(config.pipeline
      ? [
          `  pipeline  plan role ${config.pipeline.plan.name} (project ${config.pipeline.projectId}), apply role ${config.pipeline.apply.name} (project ${config.pipeline.projectId}, protected refs${config.pipeline.apply.branch ? `, ${config.pipeline.apply.branch}` : ""})`,
        ]
      : []),
    `  policies  ${access.grants.length} read policies (read on one ${config.vault.kvMount}/data/... path each)`,
    `  secrets   ${config.accounts.length} service accounts in ${config.vault.kvMount}/${config.vault.manageKvMount ? " (mount managed here)" : " (existing mount)"}: ${config.accounts.map((a) => a.name).join(", ")}`,
    ...(handSet.length > 0 ? [`            password set by hand, not written until rotated (passwordVersion 0): ${handSet.join(", ")}`] : []),
    // One prevent_destroy instance per account (constructs/account-guard.ts): resources a plan creates, so counted here.
    `  guards    ${plural(config.accounts.length, "account guard")} (${ACCOUNT_GUARD_ADDRESS}, prevent_destroy: deleting or renaming an account entry fails the plan)`,
    `  gitlab    VAULT_ADDR=${config.vault.url} on group ${config.gitlab.groupId}`,
    ...(config.adopt ? [`  adopt     ${imports} existing objects imported, not created; ${describeCreates(result.creates ?? [])}`] : []),
    `  state     ${backend.kind === "gitlab" ? "GitLab-managed (http backend: terraform init reads TF_HTTP_ADDRESS and the rest from the environment)" : `local (terraform.${config.stack}.tfstate; --state local)`}`,
    `  checks    ${result.report.suppressed.length === 0 ? "every guardrail passed, none suppressed" : `every guardrail passed; ${result.report.suppressed.length} suppressed:`}`,
    ...result.report.suppressed.map((s) => `    ${s.rule.id} on ${s.entry?.list}/${s.entry?.name}: ${s.reason}`),
    // ACC-004's house rule is waived by a justification rather than a suppression: reviewers see those here too
    // (the first ten; generated data at scale justifies thousands).
    ...justified.slice(0, 10).map((a) => `  justified ${a.name} (a permission scope another account may have): ${a.justification}`),
    ...(justified.length > 10 ? [`  justified ... and ${justified.length - 10} more accounts (their justification fields in ${redactCredentials(file)})`] : []),
  ];
  return lines.join("\n");
}

/**
 * `the first plan creates 4: terraform_data.account_guard (3 instances), vault_policy.x`: the "to add" of the adoption
 * plan, each for_each block once with its count (thousands of accounts would otherwise make one line per guard).
 */
export function describeCreates(addresses: readonly string[]): string {
  const instances = new Map<string, number>();
  for (const address of addresses) {
    const block = address.replace(/\[.*\]$/, "");
    instances.set(block, (instances.get(block) ?? 0) + (block === address ? 0 : 1));
  }
  const listed = [...instances].map(([block, count]) => (count === 0 ? block : `${block} (${plural(count, "instance")})`));
  return `the first plan creates ${addresses.length}${listed.length > 0 ? `: ${listed.join(", ")}` : ""}`;
}

/** The message for bad input (a data file, a guardrail, a command line) or a file that cannot be written, or undefined for anything else: a bug. */
export function describeError(error: unknown, command = "synth"): string | undefined {
  if (error instanceof ConfigError) {
    const { violations, notes } = checkWhatParsed(error);
    const also = violations.length > 0 ? `; the guardrails found ${plural(violations.length, "more violation")} in the rest of the file` : "";
    // The file's name is a setting's value (--config, ACCESS_CONFIG), in every line: never with its credentials.
    const file = redactCredentials(error.file);
    const problems = error.message.split(error.file).join(file);
    return [`${command} refused: ${file} is not valid (${plural(error.problems.length, "problem")}${also}); nothing was written.`, problems, ...violations, ...notes].join("\n");
  }
  if (error instanceof GuardrailError) {
    const count = error.report.violations.length;
    return `${command} refused: ${count} guardrail violation${count === 1 ? "" : "s"}; nothing was written.\n${error.message}`;
  }
  if (error instanceof UsageError || error instanceof FileWriteError) return `${command}: ${error.message}`;
  return undefined;
}

/** Prints a clear error for bad input and exits non-zero; anything else is a bug and keeps its stack trace. */
export function exitWithError(error: unknown, command = "synth"): never {
  process.stderr.write(`${describeError(error, command) ?? (error instanceof Error ? error.stack : String(error))}\n`);
  process.exit(1);
}

/**
 * V8 lets the heap grow to about four times what survived its last full collection before the next one, when
 * collections are fast: at 30000 accounts the synth peaked at 590 MB with 160 MB live. Growing by half instead keeps it
 * under 400 MB, for no time measurable at 3000 or 30000 accounts (BENCHMARKS.md). Unlike a heap limit, it never turns
 * a larger data file into an out-of-memory crash: V8 only collects sooner. The synth command calls this once its
 * modules (cdktf, the providers) have loaded: set before, it added full collections while the heap grew to hold them,
 * about 40 ms on every run. V8 reads the factor at every full collection.
 */
export function collectGarbageSooner(): void {
  setFlagsFromString("--heap-growing-percent=50");
}
