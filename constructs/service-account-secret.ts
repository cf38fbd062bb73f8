import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import type { AccountConfig } from "../lib/config";
import { accountSecretPath, passwordVariableName, terraformId } from "../lib/naming";

/** KV versions Vault keeps of each account secret: Vault's own default, made explicit so a rotation can always be rolled back. */
export const KEPT_PASSWORD_VERSIONS = 10;

export interface ServiceAccountSecretProps {
  /** KV v2 mount path (or a reference to a managed mount). */
  readonly mount: string;
  /** The account as written in the data file. */
  readonly account: AccountConfig;
}

/**
 * The KV v2 secret `<mount>/nexus/<account>` holding a Nexus service account's `username` and `password`.
 *
 * The password never passes through this program: it comes from an ephemeral, sensitive Terraform variable and is
 * written through the write-only `data_json_wo`, so it is stored neither in cdk.tf.json, nor in the plan, nor in
 * state. Vault writes it when the secret is created and whenever `passwordVersion` is raised (a rotation, which adds
 * a KV version and keeps the old one for rollback). Every other attribute is constant for a given account, so the only
 * in-place update this resource ever plans is a rotation.
 */
export class ServiceAccountSecret extends Construct {
  readonly secret: KvSecretV2;
  readonly password: TerraformVariable;

  constructor(scope: Construct, id: string, props: ServiceAccountSecretProps) {
    super(scope, id);
    const { account } = props;
    const variable = passwordVariableName(account.name);
    this.password = new TerraformVariable(this, "password", {
      type: "string",
      description: `Password of the Nexus service account ${account.name}. Needed only when the secret is created or passwordVersion is raised; set TF_VAR_${variable}.`,
      sensitive: true,
      nullable: true,
    });
    this.password.overrideLogicalId(variable);
    // Optional: plans that neither create nor rotate the secret run without any password.
    this.password.addOverride("default", null);
    // Ephemeral (Terraform 1.10+): the value is kept out of the plan file too; cdktf 0.21 has no prop for it.
    this.password.addOverride("ephemeral", true);
    this.password.addValidation({
      condition: `\${var.${variable} == null || try(length(var.${variable}) >= 16, false)}`,
      errorMessage: `The password of ${account.name} must be at least 16 characters.`,
    });

    this.secret = new KvSecretV2(this, "secret", {
      mount: props.mount,
      name: accountSecretPath(account.name),
      // Without a password there is nothing to write: plans that neither create nor rotate the secret plan no change to
      // it and need no password (a rotation without one is the operator's error: README "Rotate a password").
      // Written as an expression (cdktf renders a null comparison as "undefined"); the account name is schema-checked.
      dataJsonWo: `\${var.${variable} == null ? null : jsonencode({ username = "${account.name}", password = var.${variable} })}`,
      dataJsonWoVersion: account.passwordVersion,
      // Reading would copy the password into state on every refresh, and would need `read` on the secret at plan.
      disableRead: true,
      customMetadata: {
        // The rollback window of a rotation. Pinned per secret because the mount's own setting is not managed here
        // (production's secret/ exists), and a key's max_versions overrides the mount's (Vault KV v2 metadata API).
        maxVersions: KEPT_PASSWORD_VERSIONS,
        // Nothing here follows the data file's readers, usedBy or permissions, on purpose: the provider writes the
        // secret's data again on every in-place update, metadata-only ones included (create and update share one
        // write function, hashicorp/terraform-provider-vault#3020), so an access change would rewrite the password,
        // or write an empty one when no password variable is set. Those facts go to the account_metadata output.
        data: {
          managed_by: "terraform: access data file",
          rotation: "raise passwordVersion in the data file; never write this secret by hand",
        },
      },
      // Holds a live credential: removing the entry must fail the plan instead of deleting the secret.
      lifecycle: { preventDestroy: true },
    });
    this.secret.overrideLogicalId(terraformId(account.name));
  }
}
