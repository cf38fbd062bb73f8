import { Construct } from "constructs";
import { GroupVariable } from "@cdktf/provider-gitlab/lib/group-variable";

/** The variable's key and environment scope: also its import id (with the group). */
export const VAULT_ADDR_KEY = "VAULT_ADDR";
export const VAULT_ADDR_SCOPE = "*";

export interface VaultAddrVariableProps {
  /** The GitLab group whose projects inherit the variable. */
  readonly groupId: number;
  /** The Vault URL the CI jobs log in to. */
  readonly vaultUrl: string;
}

/**
 * The group-level CI/CD variable `VAULT_ADDR`. It is not a secret, and must stay visible: masked, it cannot be
 * used in URLs printed by curl; protected, merge-request pipelines would not see it and fail with
 * "Could not resolve host". This is the documented exception to checkov's CKV_GLB_5 (unmasked variable).
 */
export class VaultAddrVariable extends Construct {
  readonly resource: GroupVariable;

  constructor(scope: Construct, id: string, props: VaultAddrVariableProps) {
    super(scope, id);
    this.resource = new GroupVariable(this, "variable", {
      group: String(props.groupId),
      key: VAULT_ADDR_KEY,
      value: props.vaultUrl,
      variableType: "env_var",
      masked: false,
      protected: false,
      // A URL has nothing to expand: raw stops GitLab from treating a "$" in it as a variable reference.
      raw: true,
      environmentScope: VAULT_ADDR_SCOPE,
      description: "Vault address for CI jobs that read secrets with their ID token (managed by Terraform; not a secret)",
    });
    this.resource.overrideLogicalId(VAULT_ADDR_KEY);
  }
}
