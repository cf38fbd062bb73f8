/**
 * `npm run account:add`: adds a Nexus service account to the data file, text in, text out.
 *
 * The new entry is checked by the same code as synth (the schema in lib/model/config.ts and the rule pack through
 * lib/synth/synth.ts), in memory, before anything is written; this file only edits the text and explains the result.
 */
import { parseDocument, isMap, isScalar, isSeq, Document, LineCounter, type Node, type Scalar, type YAMLSeq } from "yaml";
import { type Config, type DataFile, ConfigError, NEXUS_PERMISSIONS_ALLOWED, parseDataFile, readDataFileText } from "../model/config";
import { withFileLock, writeFileAtomic } from "../synth/atomic-write";
import { checkWhatParsed, GuardrailError, synthesizeInMemory } from "../synth/synth";
import { CONFIG_OPTION_HELP, configFileFrom, DEFAULT_CONFIG_FILE, describeError, fromInvocationFolder, UsageError, wantsHelp } from "../synth/cli";
import { accountSecretPath, passwordVariableName, readPolicyName } from "../model/naming";
import { describePlan, diffStacks, type StackDiff } from "../review/stack-diff";
import type { TerraformJson } from "../../rules/terraform-json";

export interface AccountRequest {
  readonly name: string;
  readonly permissions: readonly string[];
  /** Role or workload names. */
  readonly readers: readonly string[];
  readonly usedBy?: string;
  /** Why a separate account although another has the same permission scope (the house rule's only exception). */
  readonly justification?: string;
}

export const ACCOUNT_ADD_USAGE = `usage: npm run account:add -- svc-<name> --permissions <permission,...> --readers <role or workload,...> [--used-by "<text>"] [--justification "<text>"] [--config <file>]
permissions: ${NEXUS_PERMISSIONS_ALLOWED}`;

export const ACCOUNT_ADD_HELP = `${ACCOUNT_ADD_USAGE}

Adds one Nexus service account to the data file, after checking the result exactly as synth does (schema and every
guardrail, in memory), and prints the next steps. Every other byte of the file is kept (comments, order, line endings).
Two runs at once take turns (a lock file beside the data file, taken over when the run that left it is gone); the
file is written whole or not at all.

options:
  --permissions <p,...>     required, comma-separated: ${NEXUS_PERMISSIONS_ALLOWED}
  --readers <r,...>         required, comma-separated: roles or workloads declared in the data file
  --used-by "<text>"        who uses the account (default: "read by <readers>")
  --justification "<text>"  why a separate account although another has the same permission scope (20+ characters)
${CONFIG_OPTION_HELP}
  -h, --help                this help

exit codes:
  0  added; the next steps follow
  1  refused (bad name, reader or permission, a guardrail, a bad argument) or the file cannot be written;
     the data file is unchanged`;

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

/**
 * The data file's text with the account appended to `accounts`; every other byte (comments, order, spacing, line
 * endings: CRLF stays CRLF) unchanged. A file without accounts, or with `accounts:` empty or `[]`, gets a block list
 * holding the one entry. `file` labels the refusals (a flow list, or `accounts` that is not a list).
 */
export function insertAccount(text: string, request: AccountRequest, file = DEFAULT_CONFIG_FILE): string {
  const entry: Record<string, unknown> = {
    name: request.name,
    permissions: [...request.permissions],
    usedBy: request.usedBy ?? `read by ${request.readers.join(", ")}`,
    readers: [...request.readers],
    passwordVersion: 1,
    ...(request.justification !== undefined ? { justification: request.justification } : {}),
  };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const edit: TextEdit = { text, eol: text.includes("\r\n") ? "\r\n" : "\n", entry: renderEntry(entry).trimEnd().split("\n") };
  const pair = isMap(doc.contents) ? doc.contents.items.find((item) => isScalar(item.key) && item.key.value === "accounts") : undefined;
  const accounts = pair?.value;
  let updated: string;
  if (pair === undefined) updated = appendList(edit, itemIndent(doc, text));
  else if (isSeq(accounts) && !accounts.flow && accounts.items.length > 0) updated = insertAfterLastItem(edit, accounts);
  else if (isEmpty(accounts)) updated = startList(edit, pair.key as Scalar, accounts, itemIndent(doc, text));
  else {
    const line = lineCounter.linePos((accounts as Node).range?.[0] ?? 0).line;
    const what = isSeq(accounts) ? "a flow list ([...])" : isMap(accounts) ? "a map" : `the value ${JSON.stringify((accounts as Scalar).value)}`;
    throw new UsageError(
      `${file}:${line}: accounts: is ${what}; account:add adds a "- name: ..." item to a block list, so nothing was written. Write accounts as a block list, one "- name:" item per account (docs/data-file.md), and run it again.`,
    );
  }
  // The edit is textual; prove it means exactly "one more account, nothing else" before anyone relies on it.
  const before = doc.toJS() ?? {};
  const expected = JSON.stringify({ ...before, accounts: [...(before.accounts ?? []), entry] });
  if (JSON.stringify(parseDocument(updated).toJS()) !== expected) throw new Error("internal error: inserting the account changed other data");
  return updated;
}

/** The text being edited, its line ending, and the new entry's lines (without indentation). */
interface TextEdit {
  readonly text: string;
  readonly eol: string;
  readonly entry: readonly string[];
}

const indented = (edit: TextEdit, indent: string) => edit.entry.map((line) => indent + line + edit.eol).join("");

/** `accounts:` with nothing, `~`, `null` or `[]` after it. */
function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null) || (isSeq(node) && node.flow === true && node.items.length === 0);
}

/** The indentation of the file's other top-level block lists (roles, workloads), else two spaces. */
function itemIndent(doc: Document, text: string): string {
  const list = isMap(doc.contents) ? doc.contents.items.map((item) => item.value).find((v) => isSeq(v) && !v.flow && v.items.length > 0) : undefined;
  const first = (list as YAMLSeq | undefined)?.items[0] as Node | undefined;
  return first?.range ? lineIndent(text, first.range[0]) : "  ";
}

const lineIndent = (text: string, offset: number) => /^[ ]*/.exec(text.slice(text.lastIndexOf("\n", offset - 1) + 1))![0];

/** The text up to the end of the line holding `offset` (line ending included), and the rest; an unterminated last line gets one. */
function splitAfterLine(edit: TextEdit, offset: number): [string, string] {
  const lineEnd = edit.text.indexOf("\n", offset);
  return lineEnd === -1 ? [edit.text + edit.eol, ""] : [edit.text.slice(0, lineEnd + 1), edit.text.slice(lineEnd + 1)];
}

/** A file without `accounts`: the key and its one item at the end. */
function appendList(edit: TextEdit, indent: string): string {
  const head = edit.text === "" || edit.text.endsWith("\n") ? edit.text : edit.text + edit.eol;
  return `${head}accounts:${edit.eol}${indented(edit, indent)}`;
}

/** `accounts:` empty, `~`, `null` or `[]`: that value removed from its line, the one item on the next. */
function startList(edit: TextEdit, key: Scalar, value: unknown, indent: string): string {
  const range = (value as Node | null)?.range;
  const keyEnd = key.range![1];
  // The value, and the spaces before it, go; a comment after it stays.
  const cut = range && range[1] > range[0] ? [edit.text.slice(0, range[0]).replace(/[ \t]+$/, "").length, range[1]] : [keyEnd, keyEnd];
  const text = edit.text.slice(0, cut[0]) + edit.text.slice(cut[1]);
  const [head, tail] = splitAfterLine({ ...edit, text }, cut[0]);
  return head + indented(edit, indent) + tail;
}

/** `- name: svc-x` and its fields, block style with flow lists, as the data file writes accounts. */
function renderEntry(entry: Record<string, unknown>): string {
  const doc = new Document([entry]);
  const item = (doc.contents as YAMLSeq).items[0] as { get(key: string, keepNode: true): unknown };
  for (const key of ["permissions", "readers"]) (item.get(key, true) as { flow: boolean }).flow = true;
  return doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

/** The new item after the sequence's last item (after the line that ends it, which may carry a comment), at the items' indentation. */
function insertAfterLastItem(edit: TextEdit, seq: YAMLSeq): string {
  const first = seq.items[0] as Node;
  const last = seq.items[seq.items.length - 1] as Node;
  if (!first.range || !last.range) throw new Error("internal error: the accounts list has no source positions");
  const [head, tail] = splitAfterLine(edit, last.range[1] - 1);
  return head + indented(edit, lineIndent(edit.text, first.range[0])) + tail;
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
    // A schema problem does not hide the guardrails' findings on the rest of the file (lib/model/salvage.ts).
    const { violations, notes } = cause instanceof ConfigError ? checkWhatParsed(cause) : { violations: [], notes: [] };
    const count = (cause instanceof ConfigError ? cause.problems.length : cause.report.violations.length) + violations.length;
    const scopeTaken = cause instanceof GuardrailError && cause.report.violations.some((v) => v.rule.id === "ACC-004");
    super(
      [
        `${account} was not added, the data file is unchanged (${count} problem${count === 1 ? "" : "s"}):`,
        cause.message,
        ...violations,
        ...notes,
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
  const updated = insertAccount(text, request, file);
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
 * What makes `npm test` pass again after any change to access.yaml, in order (docs/change-access.md): the generated
 * files, then the one test that follows the live data on purpose, the reviewed snapshot of its stack.
 */
export const REGENERATE_STEPS = [
  "npm run access && npm run ci-template (regenerate ACCESS.md and the CI templates from the data file; npm run access:diff -- main says the change in words).",
  "npm test: it fails only on the reviewed snapshot of access.yaml's stack (__snapshots__/stack.test.ts.snap). Read that diff; when it shows exactly this change, accept it: npm test -- -u.",
  "Review git diff access.yaml ACCESS.md templates .ci __snapshots__ and commit them together.",
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
    // init before plan: a fresh clone or a new cdktf.out has no initialized backend ("Backend initialization required").
    `npm run synth${file === DEFAULT_CONFIG_FILE ? "" : ` -- --config ${file}`} && terraform -chdir=${dir} init && terraform -chdir=${dir} plan -out=${config.stack}.tfplan (init reads the state's address from TF_HTTP_*: docs/plan-and-apply.md, State). It must show exactly this, and nothing destroyed or replaced:\n${describePlan(change)
      .map((line) => `     ${line}`)
      .join("\n")}`,
    ...(workloads.length > 0 ? [`${workloads.join(", ")} authenticate with AppRole, which is not managed here: attach the policy ${policy} to their AppRole roles by hand.`] : []),
    `Apply the reviewed plan with the variable still set (an ephemeral value is not saved in the plan file): terraform -chdir=${dir} apply ${config.stack}.tfplan. Vault then holds ${config.vault.kvMount}/${accountSecretPath(request.name)} (version 1).`,
  ];
  return [`Added ${request.name} to ${file} (accounts[${config.accounts.length - 1}]). Next steps:`, ...steps.map((step, i) => `${i + 1}. ${step}`)].join("\n");
}

/** What the command touches outside this module: the data file and the environment. */
export interface CommandIo {
  /** Passes the file's text to `edit` and writes what it returns; writes nothing when `edit` throws. */
  readonly update: (file: string, edit: (text: string) => string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The real file system: while holding the file's lock (two runs take turns), read, edit, and write atomically, and only
 * if nobody else changed the file meanwhile (an editor saving it): an account, or another edit, is never lost.
 */
export function updateDataFile(file: string, edit: (text: string) => string): void {
  readDataFileText(file); // a missing file is reported as the data file it is, before any lock is taken
  withFileLock(file, () => {
    const text = readDataFileText(file);
    writeFileAtomic(file, edit(text), text);
  });
}

/**
 * The whole command, minus the process: writes the data file only when the account was added. Returns the exit code
 * and what to print. Errors that are not bad input (bugs) are thrown, with their stack trace.
 */
export function runAccountAdd(args: readonly string[], io: CommandIo): { code: number; stdout: string; stderr: string } {
  if (wantsHelp(args)) return { code: 0, stdout: `${ACCOUNT_ADD_HELP}\n`, stderr: "" };
  try {
    const { request, configFile } = parseAccountAddArgs(args);
    const file = configFile !== undefined ? fromInvocationFolder(configFile, io.env) : configFileFrom([], io.env);
    let added: AccountAdded | undefined;
    io.update(file, (text) => (added = addAccount(text, file, request)).text);
    return { code: 0, stdout: `${added!.nextSteps}\n`, stderr: "" };
  } catch (error) {
    const message = describeError(error, "account:add");
    if (message === undefined) throw error;
    return { code: 1, stdout: "", stderr: `${message}\n` };
  }
}
