/**
 * Validates GitLab CI YAML the way GitLab does before it runs a pipeline, offline:
 * 1. against GitLab's own CI JSON schema (gitlab-org/gitlab app/assets/javascripts/editor/schema/ci.json), taken
 *    from the pinned gitlab-ci-local package, which bundles it unmodified (its CLI does not run on Node 20, its
 *    schema does not need to run);
 * 2. then what the schema cannot see: local includes, `extends` (merged as GitLab merges them) and `!reference`
 *    resolved, every resulting job validated against the schema's job definition, stages, needs and extends targets.
 *
 * Compiling the schema with ajv takes about 0.3 s, so the compiled validator is kept as standalone code in
 * node_modules/.cache, keyed by the package versions (a fresh clone compiles once).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { parseDocument, type Tags } from "yaml";

const ROOT = join(__dirname, "..", "..");
const SCHEMA_ID = "https://gitlab.com/.gitlab-ci.yml";
const PACKAGE = "gitlab-ci-local";
const CACHE_DIR = join(ROOT, "node_modules", ".cache", "gitlab-ci-schema");

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string; params?: unknown }[] | null };
interface Validators {
  readonly root: Validate;
  readonly job: Validate;
}

const versionOf = (pkg: string): string => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")).version;

/** GitLab's CI schema, cut out of gitlab-ci-local's bundle (an object literal starting just before its $id). */
export function gitlabCiSchema(): Record<string, unknown> {
  const bundle = readFileSync(join(ROOT, "node_modules", PACKAGE, "dist", "index.js"), "utf8");
  const marker = bundle.indexOf(`$id:"${SCHEMA_ID}"`);
  if (marker < 0) throw new Error(`${PACKAGE}@${versionOf(PACKAGE)} no longer bundles GitLab's CI schema as expected ($id ${SCHEMA_ID}): pin a version that does`);
  const start = bundle.lastIndexOf("{", marker);
  let depth = 0;
  let quote: string | undefined;
  let end = start;
  for (; end < bundle.length; end++) {
    const c = bundle[end];
    if (quote) {
      if (c === "\\") end++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) break;
  }
  // A plain object literal (strings, numbers, !0/!1 for booleans): evaluated in an empty context.
  return runInNewContext(`(${bundle.slice(start, end + 1)})`, {}) as Record<string, unknown>;
}

function validators(): Validators {
  const key = `${versionOf(PACKAGE)}-ajv${versionOf("ajv")}-v1`;
  const cached = join(CACHE_DIR, `validators-${key}.js`);
  if (!existsSync(cached)) {
    // Loaded only when the cache is cold.
    const { default: Ajv, _ } = require("ajv") as typeof import("ajv");
    const { default: addFormats } = require("ajv-formats") as typeof import("ajv-formats");
    const { default: standaloneCode } = require("ajv/dist/standalone") as typeof import("ajv/dist/standalone");
    const ajv = new Ajv({ allErrors: true, strict: false, code: { source: true, optimize: false, formats: _`require("ajv-formats/dist/formats").fullFormats` } });
    addFormats(ajv);
    ajv.addSchema(gitlabCiSchema());
    const code = standaloneCode(ajv, { root: SCHEMA_ID, job: `${SCHEMA_ID}#/definitions/job` });
    mkdirSync(CACHE_DIR, { recursive: true });
    // Written aside and renamed, so that a concurrent run never loads half a file.
    writeFileSync(`${cached}.${process.pid}`, code);
    renameSync(`${cached}.${process.pid}`, cached);
  }
  return require(cached) as Validators;
}

/** `!reference [job, key]` as GitLab parses it: a tagged sequence, resolved after includes. */
class Reference {
  constructor(readonly path: string[]) {}
}
const referenceTag: Tags[number] = {
  tag: "!reference",
  collection: "seq",
  resolve: (seq: unknown) => new Reference((seq as { toJSON(): string[] }).toJSON()),
} as Tags[number];

/** `!reference` as the schema sees it: a plain list of strings. */
const asSchemaInput = (node: unknown): unknown =>
  node instanceof Reference ? node.path : Array.isArray(node) ? node.map(asSchemaInput) : node && typeof node === "object" ? Object.fromEntries(Object.entries(node).map(([k, v]) => [k, asSchemaInput(v)])) : node;

const GLOBAL_KEYS = new Set(["default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script", "after_script", "spec", "$schema"]);
const DEFAULT_STAGES = [".pre", "build", "test", "deploy", ".post"];

export interface LintResult {
  readonly problems: string[];
  /** Every job after includes, `!reference` and `extends`, as GitLab would run it (hidden ones included). */
  readonly jobs: Record<string, Record<string, unknown>>;
  readonly config: Record<string, unknown>;
}

/** Lints `file` (relative to `root`); `overrides` replaces file contents by path (for negative tests). */
export function lintGitlabCi(file: string, options: { root?: string; overrides?: Record<string, string> } = {}): LintResult {
  const root = options.root ?? ROOT;
  const problems: string[] = [];
  const { root: validateRoot, job: validateJob } = validators();
  const load = (path: string): Record<string, unknown> => {
    const text = options.overrides?.[path] ?? readFileSync(join(root, path), "utf8");
    const { data, problems: found } = parsed(path, text, validateRoot);
    problems.push(...found);
    return data;
  };

  // Includes: local files only (the only kind this repository uses), merged under the including file.
  const main = load(file);
  const config: Record<string, unknown> = {};
  for (const include of ([] as unknown[]).concat(main.include ?? [])) {
    const local = typeof include === "string" ? include : (include as { local?: string }).local;
    if (!local) {
      problems.push(`${file}: include ${JSON.stringify(include)}: only local includes can be checked offline`);
      continue;
    }
    const path = local.replace(/^\//, "");
    if (!options.overrides?.[path] && !existsSync(join(root, path))) {
      problems.push(`${file}: include ${local}: no such file`);
      continue;
    }
    mergeInto(config, load(path));
  }
  mergeInto(config, main);
  delete config.include;

  const resolve = (node: unknown, where: string, depth = 0): unknown => {
    if (node instanceof Reference) {
      const target = node.path.reduce<unknown>((n, key) => (n && typeof n === "object" ? (n as Record<string, unknown>)[key] : undefined), config);
      if (target === undefined) problems.push(`${where}: !reference [${node.path.join(", ")}] points at nothing`);
      return depth > 10 ? target : resolve(target, where, depth + 1);
    }
    if (Array.isArray(node)) return node.map((n) => resolve(n, where, depth));
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v, where, depth)]));
    return node;
  };
  const resolved = resolve(config, file) as Record<string, unknown>;

  const jobNames = Object.keys(resolved).filter((k) => !GLOBAL_KEYS.has(k));
  const jobs: Record<string, Record<string, unknown>> = {};
  const merged = (name: string, chain: string[] = []): Record<string, unknown> => {
    if (jobs[name]) return jobs[name];
    const own = (resolved[name] ?? {}) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const parent of ([] as string[]).concat((own.extends as string | string[] | undefined) ?? [])) {
      if (!(parent in resolved)) problems.push(`${file}: ${name}: extends ${parent}, which does not exist`);
      else if (chain.includes(parent)) problems.push(`${file}: ${name}: extends ${parent} in a loop`);
      else mergeInto(result, merged(parent, [...chain, name]));
    }
    mergeInto(result, own);
    delete result.extends;
    return (jobs[name] = result);
  };
  jobNames.forEach((name) => merged(name));

  const stages = (resolved.stages as string[] | undefined) ?? DEFAULT_STAGES;
  for (const name of jobNames.filter((n) => !n.startsWith("."))) {
    const job = jobs[name];
    if (!validateJob(asSchemaInput(job))) problems.push(...schemaErrors(`${file}: job ${name} (after extends)`, validateJob));
    if (!("script" in job) && !("trigger" in job) && !("run" in job)) problems.push(`${file}: job ${name}: has no script, trigger or run`);
    const stage = (job.stage as string | undefined) ?? "test";
    if (!stages.includes(stage)) problems.push(`${file}: job ${name}: stage ${stage} is not in stages (${stages.join(", ")})`);
    for (const need of (job.needs as unknown[] | undefined) ?? []) {
      const needed = typeof need === "string" ? need : (need as { job?: string }).job;
      if (needed && !(needed in resolved && !needed.startsWith("."))) problems.push(`${file}: job ${name}: needs ${needed}, which is not a job`);
    }
  }
  return { problems, jobs, config: resolved };
}

/** Parsing and schema-checking a file is the costly part; the negative tests change one file and re-read the rest. */
const parseCache = new Map<string, { data: Record<string, unknown>; problems: string[] }>();

function parsed(path: string, text: string, validateRoot: Validate): { data: Record<string, unknown>; problems: string[] } {
  const key = `${path}\u0000${text}`;
  let entry = parseCache.get(key);
  if (!entry) {
    const doc = parseDocument(text, { customTags: [referenceTag], uniqueKeys: true });
    const problems = doc.errors.map((error) => `${path}: YAML: ${error.message.split("\n")[0]}`);
    const data = (doc.toJS() ?? {}) as Record<string, unknown>;
    if (!validateRoot(asSchemaInput(data))) problems.push(...schemaErrors(path, validateRoot));
    parseCache.set(key, (entry = { data, problems }));
  }
  return entry;
}

/** Lints a single file that must stand on its own (a template that others include). */
export function lintTemplate(path: string, text?: string): string[] {
  return lintGitlabCi(path, text === undefined ? {} : { overrides: { [path]: text } }).problems;
}

function schemaErrors(where: string, validate: Validate): string[] {
  return (validate.errors ?? []).map((e) => `${where}: schema: ${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in (e.params as object) ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ""}`);
}

/** GitLab's merge for includes and extends: maps merge key by key, everything else is replaced. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isMap(current) && isMap(value)) {
      const copy = { ...current };
      mergeInto(copy, value);
      target[key] = copy;
    } else target[key] = value;
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Reference);
