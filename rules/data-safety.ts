/** Rules that keep a rename or a deleted data entry from wiping data or breaking every pipeline. */
import type { Rule } from "./rule";
import { stackFinding } from "./rule";
import { resourcesOf } from "./terraform-json";
import { ACCOUNT_GUARD_ADDRESS } from "../constructs/account-guard";

/** Resources that hold data (secrets, a mount) or that every pipeline depends on (the auth method). */
export const PROTECTED_TYPES = ["vault_kv_secret_v2", "vault_jwt_auth_backend", "vault_mount"] as const;

interface Protected {
  readonly lifecycle?: { readonly prevent_destroy?: boolean };
  readonly disable_remount?: boolean;
  readonly for_each?: Record<string, unknown>;
}

export const preventDestroy: Rule = {
  id: "DATA-001",
  explanation:
    "No edit of the data file can make Terraform destroy a secret, a KV mount or the JWT auth method: each carries prevent_destroy (a replacement fails the plan), the auth method never remounts, every declared account has an instance in the account guard (a deleted or renamed entry fails the plan), and what is no longer managed is only forgotten (removed blocks with destroy = false).",
  fix: "keep the constructs' lifecycle settings; to retire an account or the auth method on purpose, follow the runbook \"Retire an account\"",
  check: (input) => {
    const findings = PROTECTED_TYPES.flatMap((type) => resourcesOf<Protected>(input.tf, type))
      .filter(([, body]) => body.lifecycle?.prevent_destroy !== true)
      .map(([address]) => stackFinding(`${address}.lifecycle.prevent_destroy`, "is not true"));
    for (const [address, body] of resourcesOf<Protected>(input.tf, "vault_jwt_auth_backend")) {
      if (body.disable_remount !== true) findings.push(stackFinding(`${address}.disable_remount`, "is not true: a new path would remount the method instead of failing the plan"));
    }
    const [guard] = resourcesOf<Protected>(input.tf, "terraform_data").filter(([address]) => address === ACCOUNT_GUARD_ADDRESS);
    if (!guard || guard[1].lifecycle?.prevent_destroy !== true) {
      findings.push(stackFinding(ACCOUNT_GUARD_ADDRESS, "must exist with lifecycle.prevent_destroy: without it, deleting an account entry deletes its secret"));
    } else {
      input.config.accounts.forEach((account, i) => {
        if (!Object.hasOwn(guard[1].for_each ?? {}, account.name)) {
          findings.push(stackFinding(`${ACCOUNT_GUARD_ADDRESS}.for_each`, `has no instance for accounts[${i}] ${account.name}`, { list: "accounts", name: account.name }));
        }
      });
    }
    (input.tf.removed ?? []).forEach((block, i) => {
      if (block.lifecycle?.destroy !== false) findings.push(stackFinding(`removed[${i}].lifecycle.destroy`, `is not false: Terraform would destroy ${block.from}`));
    });
    return findings;
  },
};

export const DATA_SAFETY_RULES: readonly Rule[] = [preventDestroy];
