/**
 * `npm run account:add`: adds a Nexus service account to the data file, text in, text out.
 *
 * The new entry is checked by the same code as synth (the schema in lib/config.ts and the rule pack through
 * lib/synth.ts), in memory, before anything is written; this file only edits the text and explains the result.
 */
import { parseDocument, isSeq, Document, type YAMLSeq } from "yaml";
import { type Config, type DataFile, ConfigError, parseDataFile } from "./config";
import { GuardrailError, synthesizeInMemory } from "./synth";
import { configFileFrom, DEFAULT_CONFIG_FILE, describeError, UsageError } from "./cli";
import { accountSecretPath, passwordVariableName, readPolicyName } from "./naming";
import { describePlan, diffStacks, type StackDiff } from "./stack-diff";
import type { TerraformJson } from "../rules/terraform-json";

export interface AccountRequest {
  readonly name: string;
  readonly permissions: readonly string[];
  /** Role or workload names. */
  readonly readers: readonly string[];
  readonly usedBy?: string;
  /** Why a separate account although another has the same permission scope (the house rule's only exception). */
  readonly justification?: string;
}

export const ACCOUNT_ADD_USAGE =
  'usage: npm run account:add -- svc-<name> --permissions <format:access,...> --readers <role or workload,...> [--used-by "<text>"] [--justification "<text>"] [--config <file>]';

const OPTIONS = ["--permissions", "--readers", "--used-by", "--justification", "--config"] as const;
type Option = (typeof OPTIONS)[number];

/** The command line: the account's name, its fields, and the data file (`--config`, else the default). */
export function parseAccountAddArgs(args: readonly string[]): { request: AccountRequest; configFile?: string } {
  const values = new Map<Option, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (!(OPTIONS as readonly string[]).includes(flag)) throw new UsageError(`unknown option ${JSON.stringify(flag)}\n${ACCOUNT_ADD_USAGE}`);
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith("--") || value.trim() === "") throw new UsageError(`${flag} needs a value\n${ACCOUNT_ADD_USAGE}`);
    if (values.has(flag as Option)) throw new UsageError(`${flag} is given twice`);
    values.set(flag as Option, value);
  }
  if (positional.length !== 1) throw new UsageError(`give exactly one account name (got ${positional.length})\n${ACCOUNT_ADD_USAGE}`);
  const list = (flag: Option) => {
    const value = values.get(flag);
    if (value === undefined) throw new UsageError(`${flag} is required\n${ACCOUNT_ADD_USAGE}`);
    return value.split(",").map((item) => item.trim()).filter(Boolean);
  };
  return {
    request: {
      name: positional[0],
      permissions: list("--permissions"),
      readers: list("--readers"),
      usedBy: values.get("--used-by"),
      justification: values.get("--justification"),
    },
    configFile: values.get("--config"),
  };
}

/** The data file's text with the account appended to `accounts`; every other byte (comments, order, spacing) unchanged. */
export function insertAccount(text: string, request: AccountRequest): string {
  const entry: Record<string, unknown> = {
    name: request.name,
    permissions: [...request.permissions],
    usedBy: request.usedBy ?? `read by ${request.readers.join(", ")}`,
    readers: [...request.readers],
    passwordVersion: 1,
    ...(request.justification !== undefined ? { justification: request.justification } : {}),
  };
  const doc = parseDocument(text);
  const accounts = doc.get("accounts", true);
  if (!isSeq(accounts) || accounts.flow || accounts.items.length === 0 || !accounts.range) {
    // No block list to extend: let the YAML library write the file (comments stay, some spacing may change).
    if (accounts === undefined || (isSeq(accounts) && accounts.items.length === 0)) {
      doc.set("accounts", doc.createNode([entry]));
      return doc.toString();
    }
    throw new UsageError("accounts: must be a list (a YAML sequence) to add an account to it");
  }
  const updated = insertAfterLastItem(text, accounts, renderEntry(entry));
  // The edit is textual; prove it means exactly "one more account" before anyone relies on it.
  const expected = JSON.stringify([...(doc.toJS().accounts as unknown[]), entry]);
  if (JSON.stringify(parseDocument(updated).toJS().accounts) !== expected) throw new Error("internal error: inserting the account changed other data");
  return updated;
}

/** `- name: svc-x` and its fields, block style with flow lists, as the data file writes accounts. */
function renderEntry(entry: Record<string, unknown>): string {
  const doc = new Document([entry]);
  const item = (doc.contents as YAMLSeq).items[0] as { get(key: string, keepNode: true): unknown };
  for (const key of ["permissions", "readers"]) (item.get(key, true) as { flow: boolean }).flow = true;
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

/** Inserts `rendered` as a new item after the sequence's last item, at the items' indentation. */
function insertAfterLastItem(text: string, seq: YAMLSeq, rendered: string): string {
  const first = seq.items[0] as { range?: [number, number, number] };
  const last = seq.items[seq.items.length - 1] as { range?: [number, number, number] };
  if (!first.range || !last.range) throw new Error("internal error: the accounts list has no source positions");
  const lineStart = text.lastIndexOf("\n", first.range[0] - 1) + 1;
  const indent = /^[ ]*/.exec(text.slice(lineStart))![0];
  // After the line that ends the last item (which may carry a comment); an unterminated last line gets its newline.
  const lineEnd = text.indexOf("\n", last.range[1] - 1);
  const at = lineEnd === -1 ? text.length : lineEnd + 1;
  const prefix = lineEnd === -1 ? "\n" : "";
  const lines = rendered.trimEnd().split("\n").map((line) => indent + line);
  return `${text.slice(0, at)}${prefix}${lines.join("\n")}\n${text.slice(at)}`;
}

export interface AccountAdded {
  /** The new data file text. */
  readonly text: string;
  readonly config: Config;
  /** What changes in the synthesized stack. */
  readonly change: StackDiff;
  /** What the operator does next, ready to print. */
  readonly nextSteps: string;
}

/** The new entry does not pass the schema or a guardrail: nothing is written. */
export class AccountRefusedError extends UsageError {
  constructor(
    readonly account: string,
    readonly cause: ConfigError | GuardrailError,
  ) {
    const count = cause instanceof ConfigError ? cause.problems.length : cause.report.violations.length;
    const scopeTaken = cause instanceof GuardrailError && cause.report.violations.some((v) => v.rule.id === "ACC-004");
    super(
      [
        `${account} was not added, the data file is unchanged (${count} problem${count === 1 ? "" : "s"}):`,
        cause.message,
        ...(scopeTaken ? ['If a separate account is really needed, say why: --justification "<at least 20 characters>".'] : []),
      ].join("\n"),
    );
    this.name = "AccountRefusedError";
  }
}

/**
 * Adds the account if the schema and every guardrail accept the result. Throws AccountRefusedError (naming the field,
 * the value and what is allowed), or ConfigError/GuardrailError when the data file is already invalid without it.
 * `file` labels the messages; nothing is written here.
 */
export function addAccount(text: string, file: string, request: AccountRequest): AccountAdded {
  // The schema first (milliseconds), the stacks and the rule pack (a synth each) only for data that passes it.
  const original = parseDataFile(text, file);
  const updated = insertAccount(text, request);
  const refused = (error: unknown) => (error instanceof ConfigError || error instanceof GuardrailError ? new AccountRefusedError(request.name, error) : error);
  let source: DataFile;
  try {
    source = parseDataFile(updated, file);
  } catch (error) {
    throw refused(error);
  }
  const before = synthesizeInMemory(original);
  let after: TerraformJson;
  try {
    after = synthesizeInMemory(source);
  } catch (error) {
    throw refused(error);
  }
  const change = diffStacks(before, after);
  return { text: updated, config: source.config, change, nextSteps: nextSteps(file, source.config, request, change) };
}


/**
 * What makes `npm test` pass again after any change to access.yaml, in order (README "Everyday tasks"): the generated
 * files, then the one test that follows the live data on purpose, the reviewed snapshot of its stack.
 */
export const REGENERATE_STEPS = [
  "npm run access && npm run ci-template (regenerate ACCESS.md and the CI templates from the data file; npm run access:diff -- main says the change in words).",
  "npm test: it fails only on the reviewed snapshot of access.yaml's stack (__snapshots__/stack.test.ts.snap). Read that diff; when it shows exactly this change, accept it: npm test -- -u.",
  "Review git diff access.yaml ACCESS.md templates __snapshots__ and commit them together.",
] as const;

function nextSteps(file: string, config: Config, request: AccountRequest, change: StackDiff): string {
  const roles = new Set(config.roles.map((r) => r.name));
  const workloads = request.readers.filter((r) => !roles.has(r));
  const policy = readPolicyName(config.vault.kvMount, accountSecretPath(request.name));
  const dir = `cdktf.out/stacks/${config.stack}`;
  const steps = [
    `Create the Nexus user ${request.name} with exactly these permissions: ${request.permissions.join(", ")}; give it a generated password of at least 16 characters.`,
    ...(file === DEFAULT_CONFIG_FILE ? REGENERATE_STEPS : [`Review git diff ${file} and commit it.`]),
    `At plan and apply, pass the password in the environment, never in a file: TF_VAR_${passwordVariableName(request.name)} (e.g. read -rs TF_VAR_${passwordVariableName(request.name)}; export TF_VAR_${passwordVariableName(request.name)}).`,
    `npm run synth${file === DEFAULT_CONFIG_FILE ? "" : ` -- --config ${file}`} && terraform -chdir=${dir} plan -out=${config.stack}.tfplan. It must show exactly this, and nothing destroyed or replaced:\n${describePlan(change)
      .map((line) => `     ${line}`)
      .join("\n")}`,
    ...(workloads.length > 0 ? [`${workloads.join(", ")} authenticate with AppRole, which is not managed here: attach the policy ${policy} to their AppRole roles by hand.`] : []),
    `Apply the reviewed plan with the variable still set (an ephemeral value is not saved in the plan file): terraform -chdir=${dir} apply ${config.stack}.tfplan. Vault then holds ${config.vault.kvMount}/${accountSecretPath(request.name)} (version 1).`,
  ];
  return [`Added ${request.name} to ${file} (accounts[${config.accounts.length - 1}]). Next steps:`, ...steps.map((step, i) => `${i + 1}. ${step}`)].join("\n");
}

/** What the command touches outside this module: the data file and the two output streams. */
export interface CommandIo {
  readonly read: (file: string) => string;
  readonly write: (file: string, text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The whole command, minus the process: writes the data file only when the account was added. Returns the exit code
 * and what to print. Errors that are not bad input (bugs) are thrown, with their stack trace.
 */
export function runAccountAdd(args: readonly string[], io: CommandIo): { code: number; stdout: string; stderr: string } {
  try {
    const { request, configFile } = parseAccountAddArgs(args);
    const file = configFile ?? configFileFrom([], io.env);
    const added = addAccount(io.read(file), file, request);
    io.write(file, added.text);
    return { code: 0, stdout: `${added.nextSteps}\n`, stderr: "" };
  } catch (error) {
    const message = describeError(error, "account:add");
    if (message === undefined) throw error;
    return { code: 1, stdout: "", stderr: `${message}\n` };
  }
}
