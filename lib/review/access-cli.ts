/**
 * The command-line side of `npm run access` and `npm run access:diff`: where each side's Terraform JSON comes from
 * (the data file synthesized in memory, a synthesized stack on disk, or a git revision synthesized with its own
 * code), and where the result goes.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, normalize, relative } from "node:path";
import { redactCredentials } from "../model/text";
import { CONFIG_ENV, CONFIG_OPTION_HELP, DEFAULT_CONFIG_FILE, dataFileFrom, inPipeline, loadSource, UsageError } from "../synth/cli";
import { synthesizeInMemory } from "../synth/synth";
import { REPOSITORY_ROOT } from "../model/trust";
import { ACCESS_REPORT_FILE, renderAccessReport } from "./access-report";
import { diffTerraform, exitCodeFor, renderAccessDiff } from "./access-diff";
import type { TerraformJson } from "../../rules/terraform-json";

const ROOT = REPOSITORY_ROOT;
const STACK_FILE = "cdk.tf.json";

export interface AccessArgs {
  /** `--config <file>`: the data file to synthesize (default $ACCESS_CONFIG, then access.yaml). */
  readonly config?: string;
  /** `--json <path>`: a synthesized stack instead (cdk.tf.json, its folder, or a cdktf.out folder). */
  readonly json?: string;
  /** `--out <file>` (access only): where to write the report; `-` prints only. */
  readonly out?: string;
  /** The base to compare with (access:diff only): a git revision, never a path. */
  readonly base?: string;
}

/** GitLab's merge base of a merge-request pipeline: the one base a pipeline may compare with. */
export const CI_BASE_ENV = "CI_MERGE_REQUEST_DIFF_BASE_SHA";

const USAGE = {
  access: "usage: npm run access [-- --config <data file> | --json <cdk.tf.json or cdktf.out>] [--out <file> | --out -]",
  "access:diff": "usage: npm run access:diff -- <git revision> [--config <data file> | --json <cdk.tf.json or cdktf.out>]",
} as const;

/** `--help` of each command: usage, options, exit codes. */
export const ACCESS_HELP = {
  access: `${USAGE.access}

Prints what the synthesized configuration grants, in words, read back from the Terraform JSON (guardrails included),
and writes it to ACCESS.md (whole or not at all) when the source is the default data file.

options:
${CONFIG_OPTION_HELP} (prints only, unless --out)
  --json <path>     an already synthesized stack: cdk.tf.json, its folder, or a cdktf.out folder (prints only)
  --out <file>      where to write the report; --out - prints only
  -h, --help        this help

exit codes:
  0  printed (and written)
  1  an error: bad data, a guardrail violation, a bad argument, a file that cannot be read or written`,
  "access:diff": `${USAGE["access:diff"]}

The access change from a base to this checkout, as a Markdown merge-request note. The base is a git revision only
(a branch, tag or commit; never a path), synthesized from that commit's own tree: its code, its data file at the same
path, and its own trust file. In a GitLab pipeline (GITLAB_CI or CI true, or $${CI_BASE_ENV} set) it must be the
merge request's merge base, $${CI_BASE_ENV}.

options:
${CONFIG_OPTION_HELP} (on both sides; inside the repository)
  --json <path>     this side from an already synthesized stack instead of the data file
  -h, --help        this help

exit codes:
  0  no change, or only narrowing and neutral changes
  3  access widens, or something changed that the diff cannot classify (needs a security owner's approval)
  1  an error: the base is not a git revision (or, in a pipeline, not the merge base), the base does not synthesize,
     bad data, a guardrail violation`,
} as const;

export function parseAccessArgs(args: readonly string[], command: keyof typeof USAGE): AccessArgs {
  const options = new Set(command === "access" ? ["config", "json", "out"] : ["config", "json"]);
  const parsed: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match) {
      positional.push(arg);
      continue;
    }
    const [, name, inline] = match;
    if (!options.has(name)) throw new UsageError(`unknown option ${JSON.stringify(arg)}\n${USAGE[command]}`);
    const value = inline ?? args[++i];
    if (!value || (inline === undefined && value.startsWith("--"))) throw new UsageError(`--${name} needs a value\n${USAGE[command]}`);
    parsed[name] = value;
  }
  if (parsed.config && parsed.json) throw new UsageError(`give --config or --json, not both\n${USAGE[command]}`);
  if (command === "access" && positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}\n${USAGE[command]}`);
  if (command === "access:diff" && positional.length !== 1) throw new UsageError(`give exactly one base\n${USAGE[command]}`);
  return { ...parsed, ...(positional[0] ? { base: positional[0] } : {}) };
}

/** Where `npm run access` writes: ACCESS.md for the default data file; other sources print only unless --out says. */
export function reportOutput(args: AccessArgs, env: NodeJS.ProcessEnv): string | undefined {
  const out = args.out ?? (args.config || args.json || env[CONFIG_ENV] ? "-" : ACCESS_REPORT_FILE);
  return out === "-" ? undefined : out;
}

export interface CurrentStack {
  readonly tf: TerraformJson;
  /** The stack's name when known (to pick the same stack from a base with several). */
  readonly stackName?: string;
}

/** This checkout's configuration: the data file synthesized in memory (guardrails included), or --json. */
export function currentStack(args: AccessArgs, env: NodeJS.ProcessEnv): CurrentStack {
  if (args.json) return { tf: readSynthesizedStack(args.json) };
  // dataFileFrom: in the pipeline, the repository's own data file only (lib/synth/cli.ts).
  const source = loadSource(dataFileFrom(args.config, env));
  return { tf: synthesizeInMemory(source), stackName: source.config.stack };
}

/**
 * A synthesized stack on disk: a cdk.tf.json file, a folder holding one, or a cdktf.out folder (or a folder holding
 * cdktf.out) with stacks/<stack>/cdk.tf.json; with several stacks, the one named `stackName`.
 */
export function readSynthesizedStack(path: string, stackName?: string): TerraformJson {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file or directory`);
  const file = statSync(path).isDirectory() ? stackFileIn(path, stackName) : path;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file}: not a synthesized stack (${(error as Error).message})`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json) || !("terraform" in json || "resource" in json)) {
    throw new UsageError(`${file}: not a synthesized stack (no "terraform" or "resource" block)`);
  }
  return json as TerraformJson;
}

function stackFileIn(dir: string, stackName: string | undefined): string {
  if (existsSync(join(dir, STACK_FILE))) return join(dir, STACK_FILE);
  for (const stacksDir of [join(dir, "stacks"), join(dir, "cdktf.out", "stacks")]) {
    if (!existsSync(stacksDir)) continue;
    const stacks = readdirSync(stacksDir).filter((name) => existsSync(join(stacksDir, name, STACK_FILE))).sort();
    const chosen = stacks.length === 1 ? stacks[0] : stacks.find((name) => name === stackName);
    if (chosen) return join(stacksDir, chosen, STACK_FILE);
    throw new UsageError(`${stacksDir} holds ${stacks.length} stacks (${stacks.join(", ") || "none"}) and none is named ${JSON.stringify(stackName ?? "")}`);
  }
  throw new UsageError(`${dir} holds no ${STACK_FILE}, stacks/<stack>/${STACK_FILE} or cdktf.out/stacks/<stack>/${STACK_FILE}`);
}

export interface Base {
  /** What the note says it compared against: the argument, with the commit. */
  readonly label: string;
  readonly tf: TerraformJson;
  /** The base commit's stack name (the folder under cdktf.out/stacks/). */
  readonly stackName: string;
}

/**
 * The base to compare with: a git revision only, never a path. Its tree is synthesized by its own code (its
 * scripts/synth.mjs, lib/, constructs/) from its own data file and trust file, so that a change to the code (the
 * policy renderer, a construct) shows up as well as a change to the data, and nothing the merge request adds (a
 * folder named like the merge base holding a cdk.tf.json) can stand in for it. In a GitLab pipeline the revision
 * must be GitLab's merge base, $CI_MERGE_REQUEST_DIFF_BASE_SHA. `repo` is the repository the revision is read
 * from (this checkout's, unless a test says otherwise).
 */
export function loadBase(base: string, args: AccessArgs, stackName: string | undefined, env: NodeJS.ProcessEnv = {}, repo: string = ROOT): Base {
  const commit = resolveRevision(base, repo);
  checkPipelineBase(base, commit, env, repo);
  const label = `${redactCredentials(base)} (${commit.slice(0, 12)})`;
  const dataFile = baseDataFile(args.config ?? (env[CONFIG_ENV] || DEFAULT_CONFIG_FILE), repo);
  return { label, ...synthesizeRevision(commit, label, dataFile, stackName, repo) };
}

/** The commit a revision names, by `git rev-parse --verify <rev>^{commit}`, which reads refs and objects, never the working tree. */
function commitOf(revision: string, repo: string): string | undefined {
  if (revision.startsWith("-")) return undefined;
  const run = spawnSync("git", ["-C", repo, "rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`], { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** The base's commit, or a refusal that says why a path or anything else is not one. */
function resolveRevision(revision: string, repo: string): string {
  const shown = JSON.stringify(redactCredentials(revision));
  const commit = commitOf(revision, repo);
  if (commit) return commit;
  // A path is never read as the base: the checkout under review could have put any cdk.tf.json there.
  const onDisk = existsSync(revision) ? " It is a path on disk, and a synthesized stack on disk is not accepted as the base." : "";
  throw new UsageError(`base ${shown} is not a git revision of ${repo} (git rev-parse --verify ${shown}^{commit} failed).${onDisk} Allowed: a branch, tag or commit, which is built from its own tree.`);
}

/**
 * In a GitLab pipeline (inPipeline: GITLAB_CI or CI true, or $CI_MERGE_REQUEST_DIFF_BASE_SHA set) the base must be the merge
 * request's merge base: a job edited by the merge request could otherwise compare with a commit of its own choosing.
 */
function checkPipelineBase(base: string, commit: string, env: NodeJS.ProcessEnv, repo: string): void {
  const expected = env[CI_BASE_ENV];
  if (!inPipeline(env) && !expected) return;
  const shown = `${JSON.stringify(redactCredentials(base))} (${commit})`;
  if (!expected) throw new UsageError(`base ${shown} refused: this runs in GitLab CI, where the base must be $${CI_BASE_ENV}, and $${CI_BASE_ENV} is not set (access:diff runs in merge-request pipelines only)`);
  const wanted = commitOf(expected, repo);
  if (wanted !== commit) {
    const what = wanted ? `(${wanted})` : "(not a commit of this clone: fetch it)";
    throw new UsageError(`base ${shown} refused: in a merge-request pipeline the base must be $${CI_BASE_ENV} = ${JSON.stringify(redactCredentials(expected))} ${what}`);
  }
}

/**
 * The data file's path inside the base commit's tree: the same path as on this side, relative to the repository, so
 * that the base is read with its own data file and the trust.yaml beside it, never this checkout's.
 */
function baseDataFile(file: string, repo: string): string {
  // npm runs commands at the repository's root, where a relative path already is one inside the repository.
  const inRepo = isAbsolute(file) ? relative(repo, file) : normalize(file);
  if (inRepo === "" || inRepo === "." || inRepo.startsWith("..") || isAbsolute(inRepo)) {
    throw new UsageError(`--config ${JSON.stringify(redactCredentials(file))} is outside the repository ${repo}: the base reads its own data file at the same path in the base commit, so the data file must be inside the repository`);
  }
  return inRepo;
}

function synthesizeRevision(commit: string, label: string, dataFile: string, stackName: string | undefined, repo: string): { tf: TerraformJson; stackName: string } {
  const dir = mkdtempSync(join(tmpdir(), "cwiq-access-base-"));
  try {
    // git archive, not a worktree: nothing is registered in the repository, so nothing is left behind on a crash.
    const archive = spawnSync("git", ["-C", repo, "archive", "--format=tar", commit], { maxBuffer: 512 * 1024 * 1024 });
    if (archive.status !== 0) throw new UsageError(`base ${label}: git archive failed: ${archive.stderr.toString().trim()}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) throw new UsageError(`base ${label}: cannot unpack its tree: ${untar.stderr.toString().trim()}`);
    if (!existsSync(join(dir, "scripts", "synth.mjs"))) throw new UsageError(`base ${label} has no scripts/synth.mjs: it cannot be built with its own code`);
    if (!existsSync(join(dir, dataFile))) throw new UsageError(`base ${label} has no data file ${redactCredentials(dataFile)}: compare with a commit that has it`);
    // The base's own code with this checkout's packages (the lockfile rarely changes; when it did, see docs/review-access-change.md).
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    // Its own data file (relative, inside the scratch tree); neither $ACCESS_CONFIG, $ACCESS_STATE nor NODE_OPTIONS of
    // this side. Not as a pipeline job either (GITLAB_CI, CI): the pipeline's refusal of --config guards what this side
    // reads, and the base is a commit's own tree, with nothing of the merge request in it.
    const { [CONFIG_ENV]: _config, ACCESS_STATE: _state, NODE_OPTIONS: _options, GITLAB_CI: _gitlab, CI: _ci, ...env } = process.env;
    const config = dataFile === normalize(DEFAULT_CONFIG_FILE) ? [] : ["--config", dataFile];
    const synth = spawnSync(process.execPath, [join(dir, "scripts", "synth.mjs"), ...config], { cwd: dir, encoding: "utf8", env: { ...env, CDKTF_OUTDIR: "cdktf.out" } });
    if (synth.status !== 0) throw new UsageError(`base ${label} does not synthesize with its own code:\n${synth.stderr.trim()}`);
    const stacks = join(dir, "cdktf.out", "stacks");
    const names = existsSync(stacks) ? readdirSync(stacks).filter((name) => existsSync(join(stacks, name, STACK_FILE))).sort() : [];
    const chosen = names.length === 1 ? names[0] : names.find((name) => name === stackName);
    if (!chosen) throw new UsageError(`base ${label} synthesized ${names.length} stacks (${names.join(", ") || "none"}) and none is named ${JSON.stringify(stackName ?? "")}`);
    return { tf: readSynthesizedStack(join(stacks, chosen, STACK_FILE)), stackName: chosen };
  } finally {
    // Unlink the node_modules link first, so that removing the scratch tree can never reach this checkout's packages.
    rmSync(join(dir, "node_modules"), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run access` without the process: the report, and the file to write it to (none: print only). */
export function runAccessReport(argv: readonly string[], env: NodeJS.ProcessEnv): { report: string; out?: string } {
  const args = parseAccessArgs(argv, "access");
  const out = reportOutput(args, env);
  return { report: renderAccessReport(currentStack(args, env).tf), ...(out ? { out } : {}) };
}

/** `npm run access:diff` without the process: the merge-request note and the exit code (0, or 3 when access widens). */
export function runAccessDiff(argv: readonly string[], env: NodeJS.ProcessEnv, repo: string = ROOT): { note: string; exitCode: number } {
  const args = parseAccessArgs(argv, "access:diff");
  const current = currentStack(args, env);
  const base = loadBase(args.base!, args, current.stackName, env, repo);
  const changes = diffTerraform(base.tf, current.tf, { base: base.stackName, head: current.stackName });
  return { note: renderAccessDiff(changes, base.label), exitCode: exitCodeFor(changes) };
}
