/**
 * The organisation's access data: its schema, its loader and the types the constructs consume.
 *
 * The data file is the only place where CWIQ's URLs, ids, roles and accounts are written down. Everything else
 * (policy names, token policies, the VAULT_ADDR value, the issuer) is derived from it, never typed twice.
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from "yaml";
import { z } from "zod";
import { parseDuration } from "./duration";
import { accountSecretPath } from "./naming";
import { readPlainYaml } from "./plain-yaml";
import { readTrustText, trustFileFor, validateTrust, type Trust } from "./trust";
import { credentialsInText, oneLine, redactCredentials, type TextCredential, visibleLetterCount } from "./text";
import { formatPath, valueAt } from "./path";
import { salvage, type Salvaged } from "./salvage";
import { parse as parseYaml } from "yaml";

/** A name that is safe as a Vault role name, a Terraform address and a GitLab/Vault identifier. */
const ROLE_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;
/** House rule for Nexus service accounts (docs/organisation.md). */
export const ACCOUNT_NAME = /^svc-[a-z0-9-]+$/;
/** One segment of a KV path: lower-case, no glob (`*`, `+`), no `..`, no `/`, no `.`. */
export const PATH_SEGMENT = /^[a-z0-9][a-z0-9-]*$/;
/** A KV path relative to its mount, in CLI form (without `data/`): `nexus/svc-orchestrator`. */
const KV_PATH = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;
const MOUNT_PATH = /^[a-z0-9][a-z0-9-]*$/;
const STACK_NAME = /^[a-z][a-z0-9-]*$/;
const CLAIM_NAME = /^[a-z][a-z0-9_]*$/;
/** Nexus permission scopes: `<format>:<access>`, for example `docker:read-write`. */
/** `<resource type>.<name>`, as terraform plan prints it. */
const TERRAFORM_ADDRESS = /^[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+$/;
const NEXUS_FORMATS = ["docker", "rpm", "raw", "pypi", "maven", "npm", "helm", "apt", "go", "nuget"] as const;
const NEXUS_PERMISSION = new RegExp(`^(${NEXUS_FORMATS.join("|")}):(read|read-write)$`);
/** What a permission may be, in words (the schema's message, and account:add's help). */
export const NEXUS_PERMISSIONS_ALLOWED = `<format>:read or <format>:read-write, <format> one of ${NEXUS_FORMATS.join(", ")} (e.g. docker:read-write)`;
/** Requests a CI token may make unless its role says otherwise (roles[].tokenNumUses). */
export const DEFAULT_TOKEN_NUM_USES = 20;

const https = z
  .string()
  .refine(isHttpsOrigin, { message: "must be an https URL with a host and nothing after it (no path, query, user or trailing slash)" });

function isHttpsOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === "https:" && !url.username && !url.password && `${url.protocol}//${url.host}` === value;
}

const DURATION_HELP = "must be a duration with its unit, such as 15m, 1h or 900s (s, m or h)";
const duration = z.string({ error: DURATION_HELP }).superRefine((v, ctx) => {
  if (parseDuration(v) !== undefined) return;
  // "86400" is not 86400 seconds: say the unit is missing instead of comparing it with a ceiling.
  const message = /^[0-9]+$/.test(v) ? `has no unit: write ${v}s for seconds (or m, h); ${DURATION_HELP}` : DURATION_HELP;
  ctx.addIssue({ code: "custom", input: v, message });
});

/** One id where a list would read naturally (`[4242, 4243]`): the message says why one, and what to do for several. */
const oneIdOnly = (what: string, several: string) => (issue: { input?: unknown }) =>
  Array.isArray(issue.input) ? `must be one ${what}, not a list: ${several}` : `must be one ${what}`;

const claimValue = z.union([z.string().min(1), z.int().positive().transform(String)], {
  error: oneIdOnly(
    'exact value, a non-empty string or a positive whole number such as "4242"',
    "a role is bound to one project; for several, declare one role each (a comma-separated value is refused too, JWT-006)",
  ),
});

/**
 * A list whose items are each written once. A repeated item would be merged without a word (two readers, a key, a
 * permission listed twice), so that a reviewer could not tell which of the two lines a change must touch.
 */
function uniqueList<T extends z.ZodType>(item: T) {
  return z.array(item).superRefine((items, ctx) =>
    forEachRepeat(items, (value) => JSON.stringify(value), (value, i, first) => addProblem(ctx, [i], value, `repeats item ${first} of this list: list each once`)),
  );
}

/** Calls `repeated` for every item whose key an earlier item already had, with both indexes. */
function forEachRepeat<T>(items: readonly T[], keyOf: (item: T) => string, repeated: (item: T, index: number, firstIndex: number) => void): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, i);
    else repeated(item, i, earlier);
  });
}

/** Letters and digits an explanation (a waiver's reason, a justification) needs. */
const MIN_EXPLANATION = 20;

/**
 * At least `min` visible letters and digits: 20 zero-width spaces, Braille blanks or dots are 20 code units and
 * explain nothing (lib/model/text.ts visibleLetterCount).
 */
function atLeastLetters(min: number, message: string) {
  return (value: string, ctx: z.core.$RefinementCtx) => {
    const count = visibleLetterCount(value);
    if (count < min) ctx.addIssue({ code: "custom", input: value, message: `${message} (only visible letters and digits count: it has ${count})` });
  };
}

/** A waiver of one guardrail for one entry, with the reason a reviewer accepted. */
const suppression = z.strictObject({
  rule: z.string().regex(/^[A-Z]+-[0-9]{3}$/, { message: "must be a rule id such as JWT-005" }),
  reason: z.string().trim().superRefine(atLeastLetters(MIN_EXPLANATION, "must explain in at least 20 characters why the rule does not apply")),
});

const secretRead = z.strictObject({
  /** Path inside the KV mount, CLI form: `sonarqube/svc-orchestrator`. */
  path: z.string().regex(KV_PATH, { message: `must be lower-case segments separated by "/" (${KV_PATH.source}): no "*", "+", "..", leading or trailing "/"` }),
  /** The keys stored there, for the access report and the CI template. */
  keys: uniqueList(z.string().regex(/^[a-z][a-z0-9_]*$/)).min(1),
  /** Who reads it and why, shown to reviewers. */
  usedBy: z.string().min(1).optional(),
});

const role = z
  .strictObject({
    name: z.string().regex(ROLE_NAME, { message: `must match ${ROLE_NAME.source}` }),
    description: z.string().min(1).optional(),
    audiences: uniqueList(https).min(1, { message: "must list at least one audience (a role without bound_audiences accepts any token audience, CVE-2024-5798)" }),
    // The id binding is checked on the claims alone, so that another field's problem (a missing audience) never hides it.
    boundClaims: z.record(z.string().regex(CLAIM_NAME), claimValue).refine((claims) => "namespace_id" in claims || "project_id" in claims, {
      message: "must bind namespace_id or project_id: without one, every CI job on the GitLab instance can log in",
    }),
    boundClaimsType: z.enum(["string", "glob"]).default("string"),
    userClaim: z.string().regex(CLAIM_NAME).default("project_id"),
    claimMappings: uniqueList(z.string().regex(CLAIM_NAME))
      .default(["project_path", "ref", "pipeline_id", "job_id", "user_login"]),
    tokenTtl: duration.default("15m"),
    tokenMaxTtl: duration.default("30m"),
    /**
     * How many requests one token may make (Vault's token_num_uses; 0 would be unlimited, which JWT-010 refuses). The
     * CI template makes one request per secret it reads; the default leaves room for jobs with their own curl calls.
     */
    tokenNumUses: z.int().positive({ message: "must be a positive number of uses (Vault reads 0 as unlimited)" }).default(DEFAULT_TOKEN_NUM_USES),
    reads: z.array(secretRead).default([]),
    suppress: z.array(suppression).default([]),
  });

/** What both of this repository's own pipeline roles (plan, apply) declare: who may log in, and for how long. */
const pipelineRoleFields = {
  name: z.string().regex(ROLE_NAME, { message: `must match ${ROLE_NAME.source}` }),
  audiences: z.array(https).min(1, { message: "must list at least one audience (a role without bound_audiences accepts any token audience, CVE-2024-5798)" }),
  tokenTtl: duration.default("15m"),
  tokenMaxTtl: duration.default("30m"),
};

/**
 * This repository's own GitLab pipeline (plan in merge requests, apply from the protected default branch). Optional:
 * without it no pipeline role is declared and the pipeline skips plan and apply. docs/enable-pipeline.md.
 */
const pipeline = z.strictObject({
  /** GitLab project id of THIS repository (Settings > General). Both roles are bound to it, and to nothing wider. */
  projectId: z.int({ error: oneIdOnly("project id, a positive whole number (Settings > General, \"Project ID\")", "both pipeline roles are bound to this repository's project alone") }).positive(),
  /** Bound to projectId only (merge-request pipelines use it): reads Vault's configuration, never a secret value. */
  plan: z.strictObject(pipelineRoleFields),
  /** Bound to projectId and ref_protected "true": exactly the capabilities that applying this configuration needs. */
  apply: z
    .strictObject({
      ...pipelineRoleFields,
      /** Also bind `ref` (and `ref_type` branch), so that other protected branches and protected tags cannot apply. */
      branch: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { message: "must be a branch name such as main" }).optional(),
    }),
  /** KV path (CLI form) of the GitLab token the apply job needs (key `token`). Only the apply role may read it. */
  gitlabTokenPath: z.string().regex(KV_PATH, { message: `must be lower-case segments separated by "/" (${KV_PATH.source})` }),
});

const workload = z.strictObject({
  name: z.string().regex(ROLE_NAME, { message: `must match ${ROLE_NAME.source}` }),
  description: z.string().min(1),
});

const account = z.strictObject({
  name: z.string().regex(ACCOUNT_NAME, { message: `must match ${ACCOUNT_NAME.source}` }),
  permissions: uniqueList(z.string().regex(NEXUS_PERMISSION, { message: `must be ${NEXUS_PERMISSIONS_ALLOWED}` })).min(1),
  usedBy: z.string().min(1),
  /** Roles (CI) or workloads (AppRole, not CI) that read this account's secret. */
  readers: uniqueList(z.string()).default([]),
  /**
   * How many times Terraform has written this account's password; raise by one to rotate (a new KV version).
   * 0: the password in Vault was set by hand and Terraform leaves the secret alone (docs/adopt.md).
   */
  /**
   * CI may never read this account's secret (a deploy credential of workloads): POL-008 refuses any CI or pipeline
   * role among its readers, whatever else the file says, and the access diff reports a change of it as widening.
   */
  workloadOnly: z.boolean().default(false),
  passwordVersion: z.int().nonnegative({ message: "must be 0 (password set by hand, not written by Terraform) or a positive version" }).default(1),
  /** Why this account exists although another has the same permission scope (house rule: no account per service). */
  justification: z.string().trim().superRefine(atLeastLetters(MIN_EXPLANATION, "must explain in at least 20 characters why a separate account is needed")).optional(),
  suppress: z.array(suppression).default([]),
});

export const configSchema = z
  .strictObject({
    /** Terraform stack name; one data file per environment. */
    stack: z.string().regex(STACK_NAME, { message: `must match ${STACK_NAME.source}` }),
    gitlab: z.strictObject({
      url: https,
      /** The group that holds the platform projects and the group-level CI variables (not a project id). */
      groupId: z.int({ error: oneIdOnly("group id, a positive whole number", "the roles, VAULT_ADDR and the trust anchors name one group") }).positive(),
    }),
    vault: z.strictObject({
      url: https,
      jwtMount: z.string().regex(MOUNT_PATH, { message: `must match ${MOUNT_PATH.source}` }),
      kvMount: z.string().regex(MOUNT_PATH, { message: `must match ${MOUNT_PATH.source}` }),
      /** Create the KV v2 mount (a fresh Vault). Production's `secret/` already exists: leave false. */
      manageKvMount: z.boolean().default(false),
    }),
    /**
     * Adoption of objects that already exist (production was set up by hand): `true`, or `{ create: [...] }` listing the
     * Terraform addresses of declared objects that do not exist yet. Everything else is imported, not created.
     */
    adopt: z
      .union([z.boolean(), z.strictObject({ create: z.array(z.string().regex(TERRAFORM_ADDRESS, { message: `must be a resource address such as vault_policy.kv-read_secret_nexus_svc-executor (${TERRAFORM_ADDRESS.source})` })).default([]) })])
      .default(false)
      .transform((adopt): Adoption | undefined => (adopt === false ? undefined : adopt === true ? { create: [] } : adopt)),
    roles: z.array(role).min(1),
    workloads: z.array(workload).default([]),
    accounts: z.array(account).default([]),
    pipeline: pipeline.optional(),
  })
  .superRefine((c, ctx) => {
    const seen = (items: { name: string }[], field: string, fold = (s: string) => s) => {
      forEachRepeat(items, (item) => fold(item.name), (item, i, first) => addProblem(ctx, [field, i, "name"], item.name, `duplicates ${field}[${first}]: names must be unique`));
    };
    seen(c.roles, "roles");
    seen(c.workloads, "workloads");
    seen(c.accounts, "accounts", (s) => s.toLowerCase());
    const roleNames = new Set(c.roles.map((r) => r.name));
    c.workloads.forEach((w, i) => {
      if (roleNames.has(w.name)) addProblem(ctx, ["workloads", i, "name"], w.name, "is also a role name: readers must be unambiguous");
    });
    const readers = new Set([...roleNames, ...c.workloads.map((w) => w.name)]);
    c.accounts.forEach((a, i) =>
      a.readers.forEach((r, j) => {
        if (!readers.has(r)) addProblem(ctx, ["accounts", i, "readers", j], r, `must name a declared role or workload (${[...readers].join(", ")})`);
      }),
    );
    const accountPaths = new Set(c.accounts.map((a) => accountSecretPath(a.name)));
    if (c.pipeline) checkPipeline(c.pipeline, c, accountPaths, ctx);
    c.roles.forEach((r, i) => {
      forEachRepeat(r.reads, (read) => read.path, (read, j, first) =>
        addProblem(ctx, ["roles", i, "reads", j, "path"], read.path, `repeats roles[${i}].reads[${first}]: declare each path once, with all its keys`),
      );
      r.reads.forEach((read, j) => {
        if (accountPaths.has(read.path)) {
          addProblem(ctx, ["roles", i, "reads", j, "path"], read.path, "is a service account's secret: grant it by listing the role in that account's readers");
        }
      });
      if (exceeds(r.tokenTtl, r.tokenMaxTtl)) {
        addProblem(ctx, ["roles", i, "tokenTtl"], r.tokenTtl, `must not exceed tokenMaxTtl (${r.tokenMaxTtl})`);
      }
    });
    // One secret has one set of keys, whichever role reads it (the access report and the CI template name them).
    const keysOf = new Map<string, { keys: string; at: string }>();
    c.roles.forEach((r, i) =>
      r.reads.forEach((read, j) => {
        const keys = JSON.stringify([...read.keys].sort());
        const other = keysOf.get(read.path);
        if (!other) keysOf.set(read.path, { keys, at: `roles[${i}].reads[${j}]` });
        else if (other.keys !== keys) addProblem(ctx, ["roles", i, "reads", j, "keys"], read.keys, `differ from the keys ${other.keys} that ${other.at} declares for ${read.path}: one secret has one set of keys`);
      }),
    );
  });

/** Whether a TTL is above its max TTL; never when either is unreadable (its own problem says so, not a comparison). */
function exceeds(ttl: string, maxTtl: string): boolean {
  const [seconds, maxSeconds] = [parseDuration(ttl), parseDuration(maxTtl)];
  return seconds !== undefined && maxSeconds !== undefined && seconds > maxSeconds;
}

/** A cross-field problem, reported like zod's own issues: the field's path, its value, and what is allowed. */
function addProblem(ctx: z.core.$RefinementCtx, path: PropertyKey[], input: unknown, message: string): void {
  ctx.addIssue({ code: "custom", path, input, message });
}

/** Pipeline roles are a kind of their own: their names must not collide with reader roles, workloads or each other. */
function checkPipeline(p: z.output<typeof pipeline>, c: { gitlab: { groupId: number }; roles: { name: string; reads: { path: string }[] }[]; workloads: { name: string }[] }, accountPaths: Set<string>, ctx: z.core.$RefinementCtx): void {
  if (p.projectId === c.gitlab.groupId) {
    addProblem(ctx, ["pipeline", "projectId"], p.projectId, "is gitlab.groupId: the pipeline roles need this repository's project id (Settings > General), never the group id");
  }
  const taken = new Set([...c.roles.map((r) => r.name), ...c.workloads.map((w) => w.name)]);
  for (const kind of ["plan", "apply"] as const) {
    const name = p[kind].name;
    if (taken.has(name)) addProblem(ctx, ["pipeline", kind, "name"], name, "is also a role or workload name: role names must be unambiguous");
  }
  for (const kind of ["plan", "apply"] as const) {
    const { tokenTtl, tokenMaxTtl } = p[kind];
    if (exceeds(tokenTtl, tokenMaxTtl)) {
      addProblem(ctx, ["pipeline", kind, "tokenTtl"], tokenTtl, `must not exceed tokenMaxTtl (${tokenMaxTtl})`);
    }
  }
  if (p.plan.name === p.apply.name) addProblem(ctx, ["pipeline", "apply", "name"], p.apply.name, "is also pipeline.plan.name: the plan and apply roles must differ");
  const readers = c.roles.filter((r) => r.reads.some((read) => read.path === p.gitlabTokenPath)).map((r) => r.name);
  if (readers.length > 0 || accountPaths.has(p.gitlabTokenPath)) {
    addProblem(ctx, ["pipeline", "gitlabTokenPath"], p.gitlabTokenPath, `is also ${readers.length > 0 ? `read by ${readers.join(", ")}` : "a service account's secret"}: only the apply role may read the GitLab token`);
  }
}

/** Adoption mode: import what exists instead of creating it. */
export interface Adoption {
  /** Addresses of declared resources that do not exist yet: created by the first apply instead of imported. */
  readonly create: readonly string[];
}

export type Config = z.output<typeof configSchema>;
export type PipelineConfig = NonNullable<Config["pipeline"]>;
export type RoleConfig = Config["roles"][number];
export type AccountConfig = Config["accounts"][number];
export type SecretRead = z.output<typeof secretRead>;

/** Whether Terraform writes the account's secret: not while its password is the one set by hand (passwordVersion 0). */
export function writesPassword(account: Pick<AccountConfig, "passwordVersion">): boolean {
  return account.passwordVersion > 0;
}

/** A data file that does not validate; `message` lists every problem as `file:field.path: value: what is allowed`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
    /** For a file that parsed but does not validate: a repaired copy the guardrails can still check (lib/model/salvage.ts). */
    readonly whatParsed?: WhatParsed,
  ) {
    super(problems.map((p) => `${file}:${p}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** The part of an invalid data file the guardrails can check, or why there is none. */
export type WhatParsed = { readonly source: DataFile; readonly salvaged: Salvaged<Config> } | { readonly why: string };

/** Where a field is in the data file, 1-based; undefined for data that was not read from YAML text. */
export type Locator = (path: readonly PropertyKey[]) => { line: number; col: number } | undefined;

/** A validated data file: where it came from, the validated config, the YAML as written, and its trust anchors. */
export interface DataFile {
  readonly file: string;
  readonly config: Config;
  readonly data: unknown;
  /** The repository's trust file for this data file (lib/model/trust.ts trustFileFor), or one given explicitly; checked by the TRUST-* guardrails. */
  readonly trust: Trust;
  /** Line and column of a field, for messages (`access.yaml:12:7: roles[0].tokenTtl: ...`). */
  readonly locate?: Locator;
}

/** Parses and validates data-file text. `file` labels the errors and picks the trust file (trustFileFor). */
export function parseConfig(text: string, file: string): Config {
  return parseDataFile(text, file).config;
}

/** yaml's limit on alias expansions while building the data (its default): more is an alias bomb, refused. */
const MAX_ALIAS_COUNT = 100;

/** Same as parseConfig, keeping the YAML as written. */
export function parseDataFile(text: string, file: string, trust: Trust = loadTrust(file)): DataFile {
  // The data's values are ACC-003's and TEXT-002's (rules/); its comments reach no rule, so they are scanned here.
  const inComments = credentialsInText(text, { commentsOnly: true });
  if (inComments.length > 0) throw new ConfigError(file, inComments.map(credentialProblem));
  // Plain YAML (most data files) is read without building yaml's document; what it means is yaml's (lib/model/plain-yaml.ts).
  const plain = readPlainYaml(text);
  if (plain !== undefined) {
    const locate = lazyLocator(text);
    return { ...validateData(plain, file, trust, locate), locate };
  }
  const lineCounter = new LineCounter();
  // yaml's defaults: a duplicate key is an error, and errors carry their line.
  const doc = parseDocument(text, { lineCounter });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => `${at(e.pos[0]).line}:${at(e.pos[0]).col}: YAML: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`));
  }
  const locate = locatorOf(doc, lineCounter);
  const where = (path: readonly PropertyKey[]) => {
    const pos = locate(path);
    return pos ? `${pos.line}:${pos.col}: ` : "";
  };
  const scalarProblems = unsupportedScalars(doc).map(({ path, message }) => `${where(path)}${formatPath(path)}: ${message}`);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    throw new ConfigError(file, [`${where([])}YAML: more than ${MAX_ALIAS_COUNT} alias expansions (an alias bomb?): write the values out instead of nesting aliases`]);
  }
  if (scalarProblems.length > 0) throw new ConfigError(file, scalarProblems);
  // A valid file keeps its text, not its document, as one read as plain YAML does: the document is several times the
  // size of the data (at 30000 accounts, most of the synth's memory), and a position is needed only for a message.
  const source = validateData(data, file, trust, locate);
  return { ...source, locate: lazyLocator(text) };
}

/** Where a data path is in a parsed document. */
function locatorOf(doc: Document, lineCounter: LineCounter): Locator {
  return (path) => {
    const node = nodeAt(doc, path);
    return node?.range ? lineCounter.linePos(node.range[0]) : undefined;
  };
}

/** A Locator that parses `text` again on its first call, and only then. */
function lazyLocator(text: string): Locator {
  let locate: Locator | undefined;
  return (path) => {
    if (!locate) {
      const lineCounter = new LineCounter();
      locate = locatorOf(parseDocument(text, { lineCounter }), lineCounter);
    }
    return locate(path);
  };
}

/** The YAML node at a data path (`["roles", 0, "tokenTtl"]`), for its position. */
function nodeAt(doc: Document, path: readonly PropertyKey[]): { range?: [number, number, number] | null } | undefined {
  const node = path.length === 0 ? doc.contents : (doc.getIn(path as unknown[], true) as unknown);
  if (node && typeof node === "object" && "range" in node) return node as { range?: [number, number, number] | null };
  // A missing field: point at its parent.
  return path.length > 0 ? nodeAt(doc, path.slice(0, -1)) : undefined;
}

/**
 * Scalars the schema cannot describe honestly: `!!binary` (bytes, not text), `.inf` and `.nan`, and integers beyond
 * 2^53, which JavaScript would round (the message shows the value as written, never the rounded one).
 */
function unsupportedScalars(doc: Document): { path: PropertyKey[]; message: string }[] {
  const problems: { path: PropertyKey[]; message: string }[] = [];
  visit(doc, {
    Scalar(_key, node, ancestors) {
      // The path only for a problem: pathOf searches each sequence for its item, too slow for every scalar of a large file.
      const problem = (message: string) => problems.push({ path: pathOf(ancestors, node), message });
      const written = node.source ?? String(node.value);
      if (node.value instanceof Uint8Array || node.tag === "tag:yaml.org,2002:binary") problem("is a !!binary value: write plain text");
      else if (typeof node.value === "number" && !Number.isFinite(node.value)) problem(`${written}: infinity and NaN are not allowed here: write a finite number`);
      else if (typeof node.value === "number" && Number.isInteger(node.value) && !Number.isSafeInteger(node.value)) {
        problem(`${written}: beyond 2^53, it cannot be read exactly: use a real id or count`);
      }
    },
  });
  return problems;
}

/** The data path of a node from the ancestors yaml's visit passes (maps by key, sequences by index). */
function pathOf(ancestors: readonly unknown[], node: unknown): PropertyKey[] {
  const path: PropertyKey[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const [parent, child] = [chain[i], chain[i + 1]];
    if (isSeq(parent)) path.push(parent.items.indexOf(child as never));
    else if (isMap(parent)) {
      const pair = child as { key?: unknown };
      if (isScalar(pair.key)) path.push(String(pair.key.value));
    }
  }
  return path;
}

/** The trust anchors that judge a data file (trustFileFor: the repository's own); a missing or invalid one is a ConfigError naming it. */
export function loadTrust(dataFile: string): Trust {
  return loadTrustFile(trustFileFor(dataFile));
}

/** The trust anchors of one trust file, given explicitly (a test's fixture, `--trust <file>`). */
export function loadTrustFile(file: string): Trust {
  const text = readTrustText(file);
  if (text === undefined) throw new ConfigError(file, [" cannot read the trust file (docs/data-file.md \"Trust anchors\")"]);
  const leaks = credentialsInText(text);
  if (leaks.length > 0) throw new ConfigError(file, leaks.map(credentialProblem));
  // Every data file is loaded with its trust file: the fast reader takes it (lib/model/plain-yaml.ts), else yaml.
  let data: unknown = readPlainYaml(text);
  if (data === undefined) {
    try {
      data = parseYaml(text);
    } catch (e) {
      throw new ConfigError(file, [` YAML: ${(e as Error).message.split("\n")[0]}`]);
    }
  }
  const { trust, problems } = validateTrust(data);
  if (!trust) throw new ConfigError(file, problems);
  return trust;
}

/** `12:5: comment: looks like a GitLab token: ...`: where a credential is in a file's text, never the credential. */
function credentialProblem(hit: TextCredential): string {
  return `${hit.line}:${hit.col}: ${hit.inComment ? "comment" : "text"}: looks like ${hit.kind}: no credential belongs in this file, comments included: delete it (rotate it if it was committed)`;
}

/**
 * Neutral values for the repaired copy the guardrails check when a file does not validate (lib/model/salvage.ts): an
 * account whose permissions do not parse gets a scope no real account has (every format, read only), so that ACC-004
 * compares nothing with it, and the rules still see its readers.
 */
const SCHEMA_FILLERS = {
  "accounts[].permissions": () => NEXUS_FORMATS.map((format) => `${format}:read`),
};

/** Validates data already read from YAML (or built by a tool); `file` labels the errors and locates trust.yaml. */
export function validateData(data: unknown, file: string, trust: Trust = loadTrust(file), locate?: Locator): DataFile {
  // reportInput: an issue on a default value (not in the file) can still show the value.
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    // Every problem in one run: repair a copy so that the cross-field checks and the guardrails see the rest.
    const { issues } = result.error;
    const { salvaged, why, later } = salvage(data, issues, trust, (copy) => configSchema.safeParse(copy, { reportInput: true }), SCHEMA_FILLERS);
    const problems = [...issues.map((issue) => describeIssue(issue, data, locate)), ...later.map(({ issue, path }) => describeIssue({ ...issue, path } as z.core.$ZodIssue, data, locate))];
    const source = salvaged && { file, config: salvaged.config, data: salvaged.data, trust, ...(locate ? { locate } : {}) };
    throw new ConfigError(file, problems, source ? { source, salvaged } : { why: why ?? "no repair made it valid" });
  }
  return { file, config: result.data, data, trust, ...(locate ? { locate } : {}) };
}

/** Reads, parses and validates a data file. */
export function loadConfig(file: string): Config {
  return loadDataFile(file).config;
}

/** Reads, parses and validates a data file, keeping the YAML as written. */
export function loadDataFile(file: string): DataFile {
  return parseDataFile(readDataFileText(file), file);
}

/** The data file's text, or a ConfigError naming the file when it cannot be read. */
export function readDataFileText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, [` cannot read the data file (${(e as NodeJS.ErrnoException).code ?? String(e)})`]);
  }
}

/**
 * `line:col: field.path: value: what is allowed` (no position for data not read from text), with the value as written
 * in the file (not as transformed), else its default.
 */
function describeIssue(issue: z.core.$ZodIssue, data: unknown, locate?: Locator): string {
  const pos = locate?.(issue.path);
  return `${pos ? `${pos.line}:${pos.col}: ` : ""}${describeIssueAt(issue, data)}`;
}

function describeIssueAt(issue: z.core.$ZodIssue, data: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(issue.path);
    const hints = issue.keys.map((key) => {
      const guess = closest(key, known);
      return guess ? `${key} (did you mean ${guess}?)` : key;
    });
    return `${where}: unknown field(s) ${hints.join(", ")}: remove or correct them${known.length > 0 ? ` (allowed here: ${known.join(", ")})` : ""}`;
  }
  const written = valueAt(data, issue.path);
  // A URL with user:password@ or ?private_token= is shown with those parts as ***.
  // Invisible characters shown as escapes (`\u200b`): a value of zero-width spaces must not look empty in the message.
  if (written !== undefined) return `${where}: ${oneLine(redactCredentials(JSON.stringify(written)))}: ${issue.message}`;
  // Not in the file, but checked: a default that another field contradicts (tokenTtl 15m with tokenMaxTtl 10m).
  if (issue.input !== undefined) return `${where}: ${JSON.stringify(issue.input)} (the default): ${issue.message}`;
  return `${where} (missing): is required${issue.code === "invalid_type" ? ` (${issue.expected})` : ""}`;
}

/** The field names the schema allows at a data path (an object's keys), for "did you mean". */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const key of path) schema = childSchema(unwrapSchema(schema), key);
  const shape = (unwrapSchema(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

type SchemaDef = { type?: string; innerType?: unknown; in?: unknown; element?: unknown; options?: unknown[] };
const defOf = (schema: unknown): SchemaDef | undefined => (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;

/** Through defaults, optionals and transforms to the schema that parses; a union's object option. */
function unwrapSchema(schema: unknown): unknown {
  const def = defOf(schema);
  if (!def) return schema;
  if (def.type === "optional" || def.type === "default" || def.type === "nullable") return unwrapSchema(def.innerType);
  if (def.type === "pipe") return unwrapSchema(def.in);
  if (def.type === "union") return (def.options ?? []).map(unwrapSchema).find((option) => (option as { shape?: unknown }).shape);
  return schema;
}

function childSchema(schema: unknown, key: PropertyKey): unknown {
  if (typeof key === "number") return defOf(schema)?.element;
  return (schema as { shape?: Record<string, unknown> } | undefined)?.shape?.[String(key)];
}

/** The known name a mistyped one most likely meant: same letters in another case, or at most a third of it edited. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const folded = known.find((name) => name.toLowerCase() === key.toLowerCase());
  if (folded) return folded;
  const scored = known.map((name) => [name, editDistance(key.toLowerCase(), name.toLowerCase())] as const).sort((a, b) => a[1] - b[1]);
  const best = scored[0];
  return best && best[1] <= Math.max(1, Math.floor(best[0].length / 3)) ? best[0] : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

