/**
 * The trust anchors: what the everyday data file may never change on its own. The GitLab instance whose tokens Vault
 * trusts (issuer and signing keys), the Vault every job sends its ID token to, the group, the audiences, the
 * namespaces and projects a role may be bound to, and upper bounds for token lifetimes and uses.
 *
 * They live in `trust.yaml` beside the data file, which only the security owners may change (CODEOWNERS); the
 * TRUST-* guardrails (rules/trust.ts) refuse a data file that steps outside them. docs/data-file.md "Trust anchors".
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
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

/** `examples/project-role.yaml` -> `examples/trust.yaml`: the trust file is always the one beside the data file. */
export function trustFileFor(dataFile: string): string {
  return join(dirname(dataFile), TRUST_FILE_NAME);
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
