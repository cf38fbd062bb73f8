/**
 * `cdktf synth --hcl` (HashiCorp's migration path off CDKTF) for this stack. cdktf 0.21.0 renders resources,
 * providers, variables and outputs as HCL itself, but not the stack-level overrides this stack relies on:
 * - the `terraform` block: renderTerraform passes the *names* of the other attributes where their values belong, so
 *   `required_version` comes out as `0 = "required_version"`, which no HCL parser accepts (cdktf lib/hcl/render.ts,
 *   renderTerraform: `renderSimpleAttributes(otherAttributes)` with `otherAttributes = Object.keys(terraform)...`);
 *   (the backend is a construct, GitlabStateBackend in constructs/access-stack.ts, so that cdktf adds no default
 *   local backend beside it in JSON or HCL);
 * - `import` and `removed` blocks set as overrides: toHclTerraform merges them into an object it never renders
 *   (cdktf lib/terraform-stack.ts, toHclTerraform: only `tf.terraform` of the merged overrides is rendered), so the
 *   adoption imports and the keep-in-Vault `removed` blocks would silently disappear.
 * - every multi-line string gains a newline: renderString writes `<<EOF\n${lines.join("\n")}\nEOF`, and a heredoc's
 *   value ends with the newline before its closing marker (cdktf lib/hcl/render.ts, renderString), so each policy
 *   text would change on the first apply from HCL.
 * So the stack replaces cdktf's terraform block with one rendered from the checked JSON, appends those blocks and
 * gives the heredocs back their text. Whatever else cdktf's renderer gets wrong (its quoting escapes neither
 * backslashes nor quotes next to `${`) is caught by checkHclFile: synth --hcl parses what it wrote and refuses HCL
 * that does not mean the JSON the guardrails checked. test/cdktf-cli.test.ts runs the real `cdktf synth --hcl`.
 */
import { readFileSync, rmSync } from "node:fs";
import type { TerraformJson } from "../../rules/terraform-json";
import { removeSuperseded } from "./atomic-write";
import { otherFormatFiles } from "./stack-format";

/** Top-level override keys rendered here; any other stack-level override would be lost by cdktf's HCL output. */
const RENDERED_OVERRIDES = ["terraform", "import", "removed"];

/** cdktf's HCL for the stack, with the blocks it gets wrong or drops rendered from the stack's Terraform JSON. */
export function repairStackHcl(cdktfHcl: string, tf: TerraformJson): string {
  const overrides: string[] = (tf["//"] as { metadata?: { overrides?: { stack?: string[] } } } | undefined)?.metadata?.overrides?.stack ?? [];
  const lost = overrides.filter((key) => !RENDERED_OVERRIDES.includes(key));
  if (lost.length > 0)
    throw new Error(`cdktf synth --hcl: stack overrides ${lost.join(", ")} have no HCL rendering here (lib/synth/stack-hcl.ts); they would be left out`);
  const blocks = [
    ...(tf.terraform ? [block("terraform", [], tf.terraform as Record<string, unknown>, TERRAFORM_BLOCKS)] : []),
    bareIgnoreChanges(exactHeredocs(withoutTerraformBlock(cdktfHcl))).trim(),
    ...((tf.import ?? []) as Record<string, unknown>[]).map((i) => block("import", [], i, [], ["to"])),
    ...((tf.removed ?? []) as Record<string, unknown>[]).map((r) => block("removed", [], r, ["lifecycle"], ["from"])),
  ];
  return `${blocks.join("\n\n")}\n`;
}

/** Nested blocks of the terraform block; the rest are attributes (`required_version`). */
const TERRAFORM_BLOCKS = ["required_providers", "backend", "cloud"];

/** cdktf's HCL minus its leading `terraform { ... }` block (braces counted outside quoted strings). */
export function withoutTerraformBlock(hcl: string): string {
  const start = hcl.indexOf("terraform {");
  if (start === -1 || hcl.slice(0, start).trim() !== "") return hcl;
  let depth = 0;
  let quoted = false;
  for (let i = start; i < hcl.length; i++) {
    const c = hcl[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return hcl.slice(i + 1);
  }
  throw new Error("cdktf synth --hcl: the terraform block cdktf rendered has no end");
}

/**
 * A block: nested objects named in `blocks` become blocks (one label level for `backend "http" { }`), `references`
 * are written bare (`to = vault_policy.x`: an address, not a string), everything else is an attribute.
 */
function block(
  type: string,
  labels: readonly string[],
  body: Record<string, unknown>,
  blocks: readonly string[] = [],
  references: readonly string[] = [],
  depth = 0,
): string {
  const pad = "  ".repeat(depth + 1);
  const lines = Object.entries(body).map(([key, value]) => {
    if (references.includes(key)) return `${pad}${key} = ${reference(value)}`;
    if (!blocks.includes(key)) return `${pad}${identifier(key)} = ${hclValue(value, depth + 1)}`;
    const nested = value as Record<string, unknown>;
    if (key === "backend")
      return Object.entries(nested)
        .map(([name, config]) => block(key, [name], config as Record<string, unknown>, [], [], depth + 1))
        .join("\n");
    // required_providers { vault = { ... } }: attributes; lifecycle { destroy = false }: attributes.
    return block(key, [], nested, [], [], depth + 1);
  });
  const head = [type, ...labels.map((l) => hclString(l))].join(" ");
  return `${"  ".repeat(depth)}${head} {\n${lines.join("\n")}\n${"  ".repeat(depth)}}`;
}

/** A Terraform address written as a traversal: only the characters addresses are made of. */
function reference(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+(\[("[^"\\]*"|\d+)\])?$/.test(value)) {
    throw new Error(`cdktf synth --hcl: ${JSON.stringify(value)} is not a resource address`);
  }
  return value;
}

const identifier = (key: string): string => (/^[A-Za-z_][\w-]*$/.test(key) ? key : hclString(key));

/**
 * A JSON string as an HCL quoted string. Terraform reads `${` and `%{` as templates in JSON strings too, so they keep
 * their meaning; HCL has no `\b` or `\f` escape, so those become `\u` escapes.
 */
export function hclString(text: string): string {
  return JSON.stringify(text).replace(/\\([bf])/g, (_m, c: string) => (c === "b" ? "\\u0008" : "\\u000c"));
}

function hclValue(value: unknown, depth: number): string {
  if (typeof value === "string") return hclString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  const pad = "  ".repeat(depth);
  if (Array.isArray(value)) return `[${value.map((v) => hclValue(v, depth)).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pad}  ${identifier(k)} = ${hclValue(v, depth + 1)}`);
  return `{\n${entries.join("\n")}\n${pad}}`;
}

/**
 * cdktf's heredocs with their exact text: `<<EOF\nX\nEOF` means X plus a newline. When the text ended with one, the
 * surplus newline goes; otherwise the text is written as a quoted string (a heredoc always ends with a newline).
 */
export function exactHeredocs(hcl: string): string {
  return hcl.replace(/<<EOF\n([\s\S]*?)\nEOF(?=\n|$)/g, (_all, text: string) => (text.endsWith("\n") ? `<<EOF\n${text.slice(0, -1)}\nEOF` : hclString(text)));
}

/**
 * `ignore_changes` as attribute names, not strings: cdktf writes `ignore_changes = ["custom_metadata", ...]`, the JSON
 * form, which Terraform accepts in HCL with a warning ("Quoted references are deprecated") that a later version may
 * turn into an error. Only a list of plain attribute names is rewritten; anything else is left to checkHclFile.
 */
export function bareIgnoreChanges(hcl: string): string {
  return hcl.replace(
    /^( *ignore_changes = \[)((?:\s*"[A-Za-z_][\w-]*",?)*)(\s*\])$/gm,
    (_all, head: string, items: string, tail: string) => head + items.replace(/"([A-Za-z_][\w-]*)"/g, "$1") + tail,
  );
}

// ---- does the HCL mean the JSON? ----

/** Where HCL has an expression and Terraform JSON a string holding it: `type = string` vs `"type": "string"`. */
const EXPRESSION_KEYS: Readonly<Record<string, readonly string[]>> = { variable: ["type"], import: ["to"], removed: ["from"] };

/**
 * The same shape for hcl2json's reading of the HCL and for the Terraform JSON: without cdktf's `//` metadata, blocks
 * that hcl2json wraps in one-element lists unwrapped on both sides, expression-only arguments without `${ }`.
 */
export function comparableTerraform(tf: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tf)) {
    if (key === "//") continue;
    const expressions = EXPRESSION_KEYS[key] ?? [];
    const bare = (entry: unknown): unknown =>
      isObject(entry)
        ? Object.fromEntries(
            Object.entries(entry).map(([k, v]) => [k, expressions.includes(k) && typeof v === "string" ? v.replace(/^\$\{(.*)\}$/s, "$1") : v]),
          )
        : entry;
    const normal = comparable(value);
    out[key] =
      key === "variable" && isObject(normal)
        ? Object.fromEntries(Object.entries(normal).map(([n, v]) => [n, bare(v)]))
        : Array.isArray(normal)
          ? normal.map(bare)
          : bare(normal);
  }
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 1 && isObject(value[0]) ? comparable(value[0]) : value.map(comparable);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => key !== "//")
      .sort()
      .map((key) => [key, key === "ignore_changes" ? bareNames(value[key]) : comparable(value[key])]),
  );
}

/** `ignore_changes` holds attribute names: hcl2json reads a bare `cas` as "${cas}", the JSON writes "cas". */
const bareNames = (names: unknown): unknown =>
  Array.isArray(names) ? names.map((n) => (typeof n === "string" ? n.replace(/^\$\{(.*)\}$/s, "$1") : n)) : names;

/** Paths at which two comparable values differ (at most `limit`), e.g. `resource.vault_policy.x.policy`. */
export function differences(a: unknown, b: unknown, path = "", limit = 10): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (!isObject(a) || !isObject(b))
    return [`${path || "(top)"}: ${JSON.stringify(a)?.slice(0, 200)} in the HCL, ${JSON.stringify(b)?.slice(0, 200)} in the JSON`];
  const found: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (found.length >= limit) break;
    found.push(...differences(a[key], b[key], path ? `${path}.${key}` : key, limit - found.length));
  }
  return found;
}

/**
 * HCL text as JSON, read by HashiCorp's HCL parser (@cdktf/hcl2json's `parse`; `name` labels its errors). Required at
 * run time, with its type written here: outside the synth bundle (scripts/run.mjs), since it loads its WebAssembly from
 * files beside its own module; and its types declare `/// <reference lib="dom" />`, which put the browser's globals
 * (`document`, `window`, ...) into the type-check of this Node code. The one door to the parser, for lib/ and test/.
 */
export function parseHcl(name: string, text: string): Promise<Record<string, unknown>> {
  const { parse } = require("@cdktf/hcl2json") as { parse: (name: string, text: string) => Promise<Record<string, unknown>> };
  return parse(name, text);
}

/**
 * Reads the HCL that `cdktf synth --hcl` wrote with HashiCorp's HCL parser (@cdktf/hcl2json, installed with the
 * cdktf CLI) and refuses it, removing the file, unless it means exactly the Terraform JSON the guardrails checked.
 * Accepted, it replaces the stack's JSON beside it (one format per folder: synth.ts otherFormatFiles); refused, the
 * JSON stays.
 */
export async function checkHclFile(file: string, tf: TerraformJson): Promise<void> {
  let found: string[];
  try {
    found = differences(comparableTerraform(await parseHcl(file, readFileSync(file, "utf8"))), comparableTerraform(tf));
  } catch (error) {
    found = [`not valid HCL: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (found.length === 0) return removeSuperseded(otherFormatFiles(file));
  rmSync(file, { force: true });
  throw new Error(`cdktf synth --hcl: the HCL cdktf rendered does not mean the checked JSON, so ${file} was removed:\n  ${found.join("\n  ")}`);
}
