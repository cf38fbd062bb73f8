/**
 * What the guardrails can still check in a data file that does not validate (issue 13: every problem in one run).
 *
 * The schema's problems are already known. This makes a working copy that validates by the smallest repairs it can
 * find, problem by problem: an unknown field is dropped; a required field gets a neutral value taken from the trust
 * anchors (`audiences`, the namespace binding, the URLs) or a placeholder name; an optional field that does not
 * parse is dropped so that its default applies; a list item that does not parse is left out. Where that is not
 * enough, the repair moves up to the field or entry holding it. The guardrails then run on the copy, and every
 * finding is mapped back to where it is in the file as written. A finding on a repaired field, or one that names a
 * placeholder, is dropped: the schema's problem already says what is wrong there.
 *
 * A repair never makes a problem disappear from the report; the copy only lets the rule pack see the rest.
 */
import { formatPath, valueAt } from "./path";
import type { Trust } from "./trust";

/** A problem of the schema, as zod reports it (the fields salvage reads). */
export interface SchemaIssue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly keys?: readonly string[];
}

export interface ValidationResult<T> {
  readonly success: boolean;
  readonly data?: T;
  readonly error?: { readonly issues: readonly SchemaIssue[] };
}

export interface Salvaged<T> {
  /** The repaired copy as validated (defaults applied). */
  readonly config: T;
  /** The repaired copy before validation (the rules' `data`). */
  readonly data: unknown;
  /** A path in the copy, as the path of the same field in the file as written (list items left out shift indexes). */
  readonly toOriginal: (path: readonly PropertyKey[]) => PropertyKey[];
  /** Whether a finding at this original path falls on a repaired field (the schema already reports it). */
  readonly isRepaired: (path: readonly PropertyKey[]) => boolean;
  /** Names given to entries whose own name does not parse: findings that name one are dropped. */
  readonly placeholders: ReadonlySet<string>;
  /** Original paths of the entries the rules could not see at all (`roles[1]`). */
  readonly leftOut: readonly string[];
}

export interface SalvageResult<T> {
  /** The copy the guardrails can run on, or undefined when no repair made the file validate. */
  readonly salvaged?: Salvaged<T>;
  /** Why there is no copy. */
  readonly why?: string;
  /** Problems the schema found only once other problems were repaired (its cross-field checks), at original paths. */
  readonly later: readonly { readonly issue: SchemaIssue; readonly path: PropertyKey[] }[];
}

/** The lists whose entries the rules report on by name: an entry that cannot be repaired is replaced by a neutral one. */
const ENTRY_LISTS = new Set(["roles", "accounts", "workloads"]);

const MAX_ROUNDS = 12;

type Json = Record<PropertyKey, unknown>;
/** A neutral value for a field: from the trust anchors, what is written there, the entry's index, and the object holding it. */
export type Filler = (trust: Trust, written: unknown, index: number, holder: Json) => unknown;

const ENTRY_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;
/** The entry's own name when it is one, so that other entries' references to it stay valid. */
const nameOr = (written: unknown, placeholder: string): string => {
  const name = isObject(written) ? written.name : undefined;
  return typeof name === "string" && ENTRY_NAME.test(name) ? name : placeholder;
};
const trustedNamespace = (t: Trust) => String(t.bindings.namespaceIds[0] ?? t.gitlab.groupId);

/**
 * Neutral values for fields the schema requires or compares, by path pattern (`[]` for any index). Taken from the trust
 * anchors where a rule compares the field with them, so that a filled value never raises a finding of its own.
 */
const FILLERS: Record<string, Filler> = {
  stack: () => "unparsed",
  gitlab: (t) => ({ url: t.gitlab.url, groupId: t.gitlab.groupId }),
  "gitlab.url": (t) => t.gitlab.url,
  "gitlab.groupId": (t) => t.gitlab.groupId,
  vault: (t) => ({ url: t.vault.url, jwtMount: t.vault.jwtMount, kvMount: "secret" }),
  "vault.url": (t) => t.vault.url,
  "vault.jwtMount": (t) => t.vault.jwtMount,
  "vault.kvMount": () => "secret",
  "roles[]": (t, written, i) => ({
    name: nameOr(written, `unparsed-role-${i}`),
    audiences: [...t.audiences],
    boundClaims: { namespace_id: trustedNamespace(t) },
  }),
  "roles[].name": (_t, _w, i) => `unparsed-role-${i}`,
  "roles[].audiences": (t) => [...t.audiences],
  // The claims as written, plus the binding the schema demands: the rules still see every other claim.
  "roles[].boundClaims": (t, written) => ({ ...(isObject(written) ? written : {}), namespace_id: trustedNamespace(t) }),
  // A TTL above the max TTL (also the default 15m under a shorter max): the max TTL, which the rules still check.
  "roles[].tokenTtl": (_t, _w, _i, holder) => (typeof holder.tokenMaxTtl === "string" ? holder.tokenMaxTtl : undefined),
  "workloads[]": (_t, written, i) => ({ name: nameOr(written, `unparsed-workload-${i}`), description: "(not given)" }),
  "workloads[].name": (_t, _w, i) => `unparsed-workload-${i}`,
  "workloads[].description": () => "(not given)",
  "accounts[]": (_t, written, i) => ({
    name: nameOr(written, `svc-unparsed-${i}`).replace(/^(?!svc-)/, "svc-unparsed-"),
    permissions: ["raw:read"],
    usedBy: "(not given)",
  }),
  "accounts[].name": (_t, _w, i) => `svc-unparsed-${i}`,
  "accounts[].usedBy": () => "(not given)",
};

/**
 * Repairs `data` until `validate` accepts it. `firstIssues` are the problems already reported for the file as written.
 */
export function salvage<T>(
  data: unknown,
  firstIssues: readonly SchemaIssue[],
  trust: Trust,
  validate: (data: unknown) => ValidationResult<T>,
  /** Neutral values only the schema's owner knows (lib/model/config.ts), by the same path patterns as FILLERS. */
  schemaFillers: Readonly<Record<string, Filler>> = {},
): SalvageResult<T> {
  if (!isObject(data)) return { why: "the file is not a mapping of fields", later: [] };
  const work = structuredClone(data) as Json;
  /** Original indexes removed from each list, by the list's original path. */
  const removed = new Map<string, number[]>();
  const repaired = new Set<string>();
  const attempts = new Map<string, number>();
  const placeholders = new Set<string>();
  /** Names as written of entries whose name was replaced: another entry's reference to one is the repair's problem. */
  const replacedNames = new Set<string>();
  const leftOut: string[] = [];
  const reported = new Set(firstIssues.map(issueKey));
  const later: { issue: SchemaIssue; path: PropertyKey[] }[] = [];

  const toOriginal = (path: readonly PropertyKey[]): PropertyKey[] => {
    const out: PropertyKey[] = [];
    for (const key of path) {
      const gone = typeof key === "number" ? removed.get(formatPath(out)) : undefined;
      out.push(gone ? originalIndex(key as number, gone) : key);
    }
    return out;
  };
  const isRepaired = (path: readonly PropertyKey[]): boolean => path.some((_, i) => repaired.has(formatPath(path.slice(0, i + 1))));
  /** A later problem on a repaired field, or on what holds one (a list emptied by a removal), is the repair's own. */
  const touchesRepair = (path: readonly PropertyKey[]): boolean => {
    if (isRepaired(path)) return true;
    const at = formatPath(path);
    for (const r of repaired) if (r.startsWith(at) && (r[at.length] === "." || r[at.length] === "[")) return true;
    return false;
  };

  /** Repairs the field at `path` (copy coordinates); false when only the whole file could be dropped. */
  const repair = (path: readonly PropertyKey[]): boolean => {
    if (path.length === 0) return false;
    const original = toOriginal(path);
    const where = formatPath(original);
    const tries = (attempts.get(where) ?? 0) + 1;
    attempts.set(where, tries);
    const parent = valueAt(work, path.slice(0, -1));
    const key = path[path.length - 1];
    const filler = schemaFillers[patternOf(path)] ?? FILLERS[patternOf(path)];
    const index = typeof path[1] === "number" ? (original[1] as number) : 0;
    const entry = path.length === 2 && ENTRY_LISTS.has(String(path[0]));
    if (filler && tries <= 2 && (isObject(parent) || Array.isArray(parent))) {
      // First the filler built on what is written, then from nothing, then give up the field.
      const holder = parent as Json;
      const value = filler(trust, tries === 1 ? holder[key] : undefined, index, isObject(holder) ? holder : {});
      if (value !== undefined) {
        const written = entry ? (holder[key] as Json | undefined)?.name : key === "name" ? holder[key] : undefined;
        const name = entry ? (value as { name: string }).name : key === "name" ? value : undefined;
        // A replaced entry cannot be seen by the rules: nothing they say about its stand-in or its name is reported.
        if (entry) leftOut.push(where);
        if (typeof name === "string" && (entry || name !== written)) placeholders.add(name);
        if (typeof name === "string" && typeof written === "string" && name !== written) replacedNames.add(written);
        holder[key] = value;
        repaired.add(where);
        return true;
      }
    }
    if (Array.isArray(parent) && typeof key === "number") {
      parent.splice(key, 1);
      const list = formatPath(original.slice(0, -1));
      removed.set(
        list,
        [...(removed.get(list) ?? []), original[original.length - 1] as number].sort((a, b) => a - b),
      );
      repaired.add(where);
      return true;
    }
    if (isObject(parent) && key in parent && tries === 1) {
      delete parent[key];
      repaired.add(where);
      return true;
    }
    // Deleting did not help (a required field) or there is nothing here: repair what holds it.
    return repair(path.slice(0, -1));
  };

  let issues = firstIssues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // Deepest first, so that a list item is removed after the fields inside it were tried, and indexes stay valid.
    const ordered = [...issues].sort((a, b) => b.path.length - a.path.length || compareDescending(a.path, b.path));
    const done = new Set<string>();
    for (const issue of ordered) {
      const at = formatPath(issue.path);
      if (done.has(at)) continue;
      done.add(at);
      if (issue.code === "unrecognized_keys") {
        const holder = valueAt(work, issue.path);
        if (isObject(holder)) for (const k of issue.keys ?? []) delete holder[k];
        for (const k of issue.keys ?? []) repaired.add(formatPath([...toOriginal(issue.path), k]));
        continue;
      }
      if (!repair(issue.path)) return { why: `${formatPath(toOriginal(issue.path))} could not be repaired`, later };
    }
    const result = validate(work);
    if (result.success) {
      return { salvaged: { config: result.data as T, data: work, toOriginal, isRepaired, placeholders, leftOut }, later };
    }
    issues = result.error?.issues ?? [];
    for (const issue of issues) {
      const path = toOriginal(issue.path);
      const key = issueKey({ ...issue, path });
      const value = valueAt(work, issue.path);
      const refersToReplaced = typeof value === "string" && replacedNames.has(value);
      if (!touchesRepair(path) && !refersToReplaced && !reported.has(key)) {
        reported.add(key);
        later.push({ issue, path });
      }
    }
  }
  return { why: `the file still did not validate after ${MAX_ROUNDS} rounds of repair`, later };
}

/** Whether a finding's message or entry names a placeholder (it describes the repair, not the file). */
export function namesPlaceholder(text: string, placeholders: ReadonlySet<string>): boolean {
  for (const name of placeholders) if (text.includes(name)) return true;
  return false;
}

function originalIndex(index: number, gone: readonly number[]): number {
  let original = index;
  for (const g of gone) if (g <= original) original++;
  return original;
}

/** `roles[3].audiences` -> `roles[].audiences` */
function patternOf(path: readonly PropertyKey[]): string {
  return formatPath(path.map((k) => (typeof k === "number" ? -1 : k))).replace(/\[-1\]/g, "[]");
}

function issueKey(issue: { code: string; path: readonly PropertyKey[] }): string {
  return `${issue.code}\u0000${formatPath(issue.path)}`;
}

/** Later list items first, so that removing one keeps the indexes of the others valid. */
function compareDescending(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === "number" && typeof b[i] === "number") return (b[i] as number) - (a[i] as number);
    return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return 0;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
