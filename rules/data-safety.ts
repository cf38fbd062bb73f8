/** Rules that keep a rename or a deleted data entry from wiping data or breaking every pipeline. */
import type { Rule } from "./rule";
import { stackFinding } from "./rule";
import { resourcesOf } from "./terraform-json";

/** Resources that hold data (secrets, a mount) or that every pipeline depends on (the auth method). */
export const PROTECTED_TYPES = ["vault_kv_secret_v2", "vault_jwt_auth_backend", "vault_mount"] as const;

export const preventDestroy: Rule = {
  id: "DATA-001",
  explanation: "Secrets, KV mounts and the JWT auth method carry lifecycle.prevent_destroy: removing or renaming an entry must fail the plan, not delete it.",
  fix: "keep prevent_destroy; to retire a resource on purpose, follow README \"Retire a secret or the auth method\"",
  check: (input) =>
    PROTECTED_TYPES.flatMap((type) => resourcesOf<{ lifecycle?: { prevent_destroy?: boolean } }>(input.tf, type))
      .filter(([, body]) => body.lifecycle?.prevent_destroy !== true)
      .map(([address]) => stackFinding(`${address}.lifecycle.prevent_destroy`, "is not true")),
};

export const DATA_SAFETY_RULES: readonly Rule[] = [preventDestroy];
