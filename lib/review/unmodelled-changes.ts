/**
 * The half of the access diff that makes sure nothing goes unreported: the classified sections (access-diff.ts) read
 * some attributes of some resource types, so every block or attribute of the structural diff (stack-diff.ts) that they
 * do not model is listed here, as `unclassified` (a security owner reads it, like a widening) or `neutral` where the
 * model says why. Pure: two Terraform JSONs and their structural diff in, changes out.
 */
import type { TerraformJson } from "../../rules/terraform-json";
import { SECRET_IGNORED_CHANGES } from "../../constructs/service-account-secret";
import { type AccessChange, change } from "./access-change";
import { blocks, type diffStacks, isObject, same } from "./stack-diff";
import { compareText } from "../model/order";

// ---- what the classified sections of the access diff (lib/review/access-diff.ts) do not model ----

/** How the classified sections (access-diff.ts) account for one kind of block of the Terraform JSON. */
interface BlockModel {
  /**
   * Attributes (dotted for nested ones: `custom_metadata.data`) whose meaning the classified sections (access-diff.ts) compare: a change of
   * one is in their lines, or grants the same (a list reordered).
   */
  readonly modelled: readonly string[];
  /** Attributes that change nobody's access and that no section reports, with why: a neutral line each. */
  readonly neutral?: Readonly<Record<string, string>>;
  /** On a new block: the values this stack always synthesizes; any other value, or none, is listed. */
  readonly whenNew?: Readonly<Record<string, unknown>>;
  /** On a new block: attributes that the sections' own line for it already states. */
  readonly freeWhenNew?: readonly string[];
}

const GITLAB_VARIABLE: BlockModel = {
  modelled: ["key", "group", "project", "value", "masked", "protected", "raw", "environment_scope", "variable_type", "description"],
};

/** Resource types the classified sections (access-diff.ts) read (lib/review/granted-access.ts), and exactly which of their attributes. */
const RESOURCE_MODELS: Readonly<Record<string, BlockModel>> = {
  vault_jwt_auth_backend: {
    // jwt_validation_pubkeys is read as a count only: a key swapped for another is unclassified.
    modelled: ["path", "bound_issuer", "oidc_discovery_url", "jwks_url", "default_role"],
    neutral: { description: "documentation" },
    whenNew: { type: "jwt", disable_remount: true, lifecycle: { prevent_destroy: true } },
    freeWhenNew: ["jwt_validation_pubkeys"],
  },
  vault_jwt_auth_backend_role: {
    modelled: [
      "role_name",
      "backend",
      "role_type",
      "bound_audiences",
      "bound_claims",
      "bound_claims_type",
      "disable_bound_claims_parsing",
      "user_claim",
      "claim_mappings",
      "token_ttl",
      "token_max_ttl",
      "token_explicit_max_ttl",
      "token_period",
      "token_num_uses",
      "token_bound_cidrs",
      "token_no_default_policy",
      "token_policies",
    ],
  },
  vault_policy: { modelled: ["name", "policy"] },
  vault_kv_secret_v2: {
    modelled: ["mount", "name", "data_json_wo_version", "custom_metadata.data"],
    neutral: { custom_metadata: "secret metadata (versions kept, check-and-set), no one's access" },
    // data_json (plaintext in state), disable_read false (values read back into state and plans), no prevent_destroy:
    // listed, new or changed.
    whenNew: { disable_read: true, lifecycle: { prevent_destroy: true, ignore_changes: [...SECRET_IGNORED_CHANGES] } },
    freeWhenNew: ["data_json_wo"],
  },
  // The account guard (constructs/account-guard.ts): one instance per declared account, holding its secret's path.
  // It grants nothing; it makes deleting an account fail the plan. Any other terraform_data is not modelled.
  "terraform_data.account_guard": {
    modelled: [],
    neutral: { input: "the account guard's record of a secret path, which grants nothing" },
    whenNew: { lifecycle: { prevent_destroy: true } },
  },
  gitlab_group_variable: GITLAB_VARIABLE,
  gitlab_project_variable: GITLAB_VARIABLE,
  gitlab_instance_variable: GITLAB_VARIABLE,
};

/** An account password's input variable: ephemeral and sensitive, no default (lib's write-only wiring). */
const VARIABLE_MODEL: BlockModel = {
  modelled: [],
  neutral: { description: "documentation" },
  whenNew: { sensitive: true, ephemeral: true, default: null },
  freeWhenNew: ["type", "nullable", "validation"],
};

/** Top-level blocks that are not resources, variables or outputs. Any other (import, moved, check, ...) is listed. */
const SECTION_MODELS: Readonly<Record<string, BlockModel>> = {
  provider: { modelled: ["vault.0.address"] },
  // The state holds no secret value (write-only passwords, disable_read); the backend's address comes from
  // TF_HTTP_ADDRESS at terraform init, not from what this diff compares. Provider versions and sources are listed.
  terraform: { modelled: [], neutral: { backend: "where Terraform keeps its state, which holds no secret value" } },
  // Objects Terraform stops managing and keeps (destroy = false): a secret or the KV mount stays as it was.
  removed: { modelled: [], neutral: { "(value)": "objects Terraform stops managing and keeps as they are" } },
};

/** Outputs restate what the resources say (key names, metadata); the classified sections (access-diff.ts) read the ones that matter. */
const DERIVED = "derived";

function modelOf(address: string): BlockModel | typeof DERIVED | undefined {
  if (address.startsWith("output.")) return DERIVED;
  if (address.startsWith("var.")) return VARIABLE_MODEL;
  if (address.startsWith("data.")) return undefined;
  const dot = address.indexOf(".");
  if (dot === -1) return SECTION_MODELS[address];
  return RESOURCE_MODELS[address.slice(0, dot)] ?? RESOURCE_MODELS[address.replace(/\[.*\]$/, "")];
}

function kindOf(address: string): string {
  const [first, second] = address.split(".");
  if (first === "data") return `data source ${second}`;
  if (first === "var") return "input variable";
  return second === undefined ? "top-level block" : `resource of type ${first}`;
}

/** The dotted paths at which two values differ, going into an attribute only where the model names something inside it. */
function differingPaths(before: unknown, after: unknown, model: BlockModel, prefix = ""): string[] {
  const entries = [...model.modelled, ...Object.keys(model.neutral ?? {})];
  const keysOf = (v: unknown): string[] => (isObject(v) ? Object.keys(v) : Array.isArray(v) ? v.map((_, i) => String(i)) : []);
  const at = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : Array.isArray(v) ? v[Number(key)] : undefined);
  const keys = [...new Set([...keysOf(before), ...keysOf(after)])].filter((key) => key !== "//").sort(compareText);
  return keys.flatMap((key) => {
    const [b, a] = [at(before, key), at(after, key)];
    if (same(b, a)) return [];
    const path = `${prefix}${key}`;
    const comparable = (isObject(b) && isObject(a)) || (Array.isArray(b) && Array.isArray(a) && b.length === a.length);
    return comparable && entries.some((entry) => entry.startsWith(`${path}.`)) ? differingPaths(b, a, model, `${path}.`) : [path];
  });
}

/** The most specific model entry that covers a path: modelled, or neutral with its reason; undefined: neither. */
function classify(path: string, model: BlockModel): { modelled: true } | { neutral: string } | undefined {
  const covers = (entry: string) => path === entry || path.startsWith(`${entry}.`);
  const candidates: [string, { modelled: true } | { neutral: string }][] = [
    ...model.modelled.filter(covers).map((entry): [string, { modelled: true }] => [entry, { modelled: true }]),
    ...Object.entries(model.neutral ?? {})
      .filter(([entry]) => covers(entry))
      .map(([entry, why]): [string, { neutral: string }] => [entry, { neutral: why }]),
  ];
  return candidates.sort(([a], [b]) => b.length - a.length)[0]?.[1];
}

/** A scalar that cannot be a secret (true, 3600, null) is shown; strings, lists and objects are named only. */
const shownScalar = (value: unknown): string | undefined =>
  value === undefined ? "(unset)" : value === null || typeof value === "boolean" || typeof value === "number" ? JSON.stringify(value) : undefined;

function changedWords(path: string, before: unknown, after: unknown): string {
  const [b, a] = [shownScalar(before), shownScalar(after)];
  return b !== undefined && a !== undefined ? `${path} ${b} -> ${a}` : path;
}

/** A value inside a block by dotted path (`lifecycle.prevent_destroy`, `vault.0.address`). */
function valueAt(block: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, key) => (isObject(v) ? v[key] : Array.isArray(v) ? v[Number(key)] : undefined), block);
}

/** What a new block of a modelled kind sets beyond what the sections' line for it says. */
function newBlockProblems(block: unknown, model: BlockModel): string[] {
  const expected = model.whenNew ?? {};
  const problems: string[] = [];
  for (const path of differingPaths(undefined, block, model)) {
    if (classify(path, model) || model.freeWhenNew?.includes(path) || path in expected) continue;
    problems.push(path);
  }
  for (const [key, value] of Object.entries(expected)) {
    const actual = isObject(block) ? block[key] : undefined;
    if (!same(actual ?? null, value)) problems.push(`${key} is not ${JSON.stringify(value)} (${actual === undefined ? "unset" : "set otherwise"})`);
  }
  return problems;
}

/** Whether a written secret of `tf` uses the input variable at `address` (`var.<name>`): an account's password. */
function usedByWrittenSecret(tf: TerraformJson, address: string): boolean {
  const name = address.slice("var.".length).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const reference = new RegExp(`\\bvar\\.${name}(?![A-Za-z0-9_-])`);
  return Object.values(tf.resource?.vault_kv_secret_v2 ?? {}).some((secret) => reference.test(JSON.stringify(secret)));
}

const topLevelKeys = (block: unknown): string[] =>
  isObject(block)
    ? Object.keys(block)
        .filter((key) => key !== "//")
        .sort(compareText)
    : [];

/**
 * Every block and attribute that differs between the two stacks (lib/review/stack-diff.ts) and that the classified sections (access-diff.ts) do
 * not account for: `unclassified` (a security owner reads it), or `neutral` where the model says why it is.
 */
export function unmodelledChanges(base: TerraformJson, head: TerraformJson, diff: ReturnType<typeof diffStacks>): AccessChange[] {
  const [before, after] = [blocks(base), blocks(head)];
  const out: AccessChange[] = [];
  for (const address of diff.added) {
    const model = modelOf(address);
    if (model === DERIVED) continue;
    const block = after.get(address);
    if (!model || (address.startsWith("var.") && !usedByWrittenSecret(head, address))) {
      const sets = topLevelKeys(block);
      out.push(
        change(
          "unclassified",
          `+ ${address}: new ${kindOf(address)}, which the access diff does not model${sets.length > 0 ? ` (sets ${sets.join(", ")})` : ""}`,
        ),
      );
      continue;
    }
    const problems = newBlockProblems(block, model);
    if (problems.length > 0) out.push(change("unclassified", `+ ${address} is new with ${problems.join(", ")}: not modelled by the access diff`));
  }
  for (const address of diff.removed) {
    // A removed block of a modelled kind is in the sections' lines (or, a variable or an output, grants nothing).
    if (modelOf(address)) continue;
    out.push(change("unclassified", `- ${address} removed: a ${kindOf(address)}, which the access diff does not model`));
  }
  for (const { address, attributes } of diff.changed) {
    const model = modelOf(address);
    if (model === DERIVED) continue;
    const [b, a] = [before.get(address), after.get(address)];
    const paths = model ? differingPaths(b, a, model) : [...attributes];
    const other: string[] = [];
    for (const path of paths) {
      const place = model && classify(path, model);
      if (place && "modelled" in place) continue;
      if (place) out.push(change("neutral", `~ ${address} ${path} changed (neutral: ${place.neutral})`));
      else other.push(path === "(value)" ? path : changedWords(path, valueAt(b, path), valueAt(a, path)));
    }
    if (other.length > 0) out.push(change("unclassified", `~ ${address} ${other.join(", ")} changed: not modelled by the access diff`));
  }
  return out;
}
