/**
 * The trust anchors: what the everyday data file may never change on its own. The GitLab instance whose tokens Vault
 * trusts (issuer and signing keys), the Vault every job sends its ID token to, the group, the audiences, the
 * namespaces and projects a role may be bound to, and upper bounds for token lifetimes and uses.
 *
 * They live in the repository's own trust files, which only the security owners may change (CODEOWNERS): trust.yaml
 * and examples/trust.yaml. The TRUST-* guardrails (rules/trust.ts) refuse a data file that steps outside them.
 * docs/data-file.md "Trust anchors".
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { z } from "zod";
import { parseDuration } from "./duration";

export const TRUST_FILE_NAME = "trust.yaml";

const positiveIds = z.array(z.int().positive()).default([]);

export const trustSchema = z.strictObject({
  gitlab: z.strictObject({ url: z.string().min(1), groupId: z.int().positive() }),
  vault: z.strictObject({ url: z.string().min(1), jwtMount: z.string().min(1) }),
  /** Every `aud` a role (CI or pipeline) may bind. */
  audiences: z.array(z.string().min(1)).min(1),
  /** The ids a role's namespace_id or project_id (and pipeline.projectId) may take. */
  bindings: z.strictObject({ namespaceIds: positiveIds, projectIds: positiveIds }),
  limits: z.strictObject({
    /** Ceiling of every role's tokenTtl and tokenMaxTtl (never above the code's own 1h ceiling, JWT-009). */
    maxTokenTtl: z.string().refine((v) => parseDuration(v) !== undefined, { message: "must be a duration such as 30m or 1h" }),
    /** Ceiling of every role's tokenNumUses. */
    maxTokenNumUses: z.int().positive(),
  }),
});

export type Trust = z.output<typeof trustSchema>;

/** The repository root: the nearest folder above `from` (this file's lib/model/, or a bundle's dist/) with a package.json. */
export function repositoryRoot(from: string = __dirname): string {
  const parent = dirname(from);
  return existsSync(join(from, "package.json")) || parent === from ? from : repositoryRoot(parent);
}

export const REPOSITORY_ROOT = repositoryRoot();

/**
 * The trust file that judges a data file: always one the security owners own (CODEOWNERS), never one a data file
 * brings along. `examples/<x>.yaml` -> `examples/trust.yaml`; every other data file, wherever it is (docs/, a
 * temporary folder, the operator's home), -> the root `trust.yaml`. A folder beside the data file is never read: a
 * `docs/evil/trust.yaml` would otherwise trust another GitLab. Other anchors only when given explicitly: in code (the
 * tests' fixtures, parseDataFile's `trust`) or by `npm run synth -- --trust <file>` outside the pipeline.
 */
export function trustFileFor(dataFile: string, root: string = REPOSITORY_ROOT): string {
  const examples = join(root, "examples");
  return join(resolve(dataFile).startsWith(examples + sep) ? examples : root, TRUST_FILE_NAME);
}

/** Validates parsed trust data; problems as `field.path: what is wrong`, without values (they are not secrets, but short). */
export function validateTrust(data: unknown): { trust?: Trust; problems: string[] } {
  const result = trustSchema.safeParse(data);
  if (result.success) return { trust: result.data, problems: [] };
  return { problems: result.error.issues.map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`) };
}

/** The trust file's text, or undefined when it does not exist. */
export function readTrustText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Trust anchors that admit exactly a given data file (as parsed YAML): its URLs, group, JWT mount, the audiences its
 * roles bind and the ids they bind (pipeline.projectId included), and a use limit that admits every role's tokenNumUses
 * (at least `minTokenNumUses`). For generated and
 * test data only (benchmarks, property tests, the end-to-end suite's loopback servers); never for a real data file,
 * whose trust.yaml the security owners write.
 */
export function trustAdmitting(data: any, minTokenNumUses = 50): Trust {
  const roles: any[] = [...(Array.isArray(data?.roles) ? data.roles : []), ...(data?.pipeline ? [data.pipeline.plan, data.pipeline.apply] : [])];
  const ids = (claim: string) => (Array.isArray(data?.roles) ? data.roles : []).map((r: any) => Number(r?.boundClaims?.[claim]));
  const valid = (values: number[]) => [...new Set(values.filter((n) => Number.isSafeInteger(n) && n > 0))];
  return {
    gitlab: { url: data?.gitlab?.url, groupId: data?.gitlab?.groupId },
    vault: { url: data?.vault?.url, jwtMount: data?.vault?.jwtMount },
    audiences: [...new Set(roles.flatMap((r) => (Array.isArray(r?.audiences) ? r.audiences : [])))] as string[],
    bindings: { namespaceIds: valid(ids("namespace_id")), projectIds: valid([...ids("project_id"), Number(data?.pipeline?.projectId)]) },
    limits: {
      maxTokenTtl: "1h",
      maxTokenNumUses: Math.max(minTokenNumUses, ...roles.map((r) => (Number.isSafeInteger(r?.tokenNumUses) ? r.tokenNumUses : 0))),
    },
  };
}
