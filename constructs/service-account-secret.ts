import { Construct } from "constructs";
import { TerraformVariable } from "cdktf";
import { KvSecretV2 } from "@cdktf/provider-vault/lib/kv-secret-v2";
import type { AccountConfig } from "../lib/model/config";
import { accountSecretPath, passwordVariableName, terraformId } from "../lib/model/naming";

/**
 * The value of `data_json_wo`: the account's username and password as JSON, or, when the password variable is not
 * set, a text that is not JSON.
 *
 * Why never null: the provider declares `data_json_wo_version` with `RequiredWith: [data_json_wo]`
 * (resource_kv_secret_v2.go ~118-123), the plugin SDK drops null attributes from the configuration it validates
 * (terraform-plugin-sdk v2.38.1 internal/configs/hcl2shim/values.go ~57-61) and enforces RequiredWith on it
 * (helper/schema/schema.go ~1985-2004), and Terraform validates the evaluated configuration again during plan
 * (internal/terraform/node_resource_abstract_instance.go ~856-878): a null value failed every plan without the
 * password ("Missing required argument").
 *
 * Why the marker is safe: the provider reads `data_json_wo` only when it creates the secret or the version changes
 * (~209-214), and it decodes the JSON before it sends anything (~216-222, the write is ~229). So a plan or apply
 * without the password changes nothing while the version is unchanged, and a create or rotation without it stops at
 * that decode (`data_json "" syntax error: invalid character 'T' looking for beginning of value`) with nothing
 * written; the pipeline's plan check (.ci/plan-guard.jq) refuses it earlier, at plan, by name. Nothing empty and
 * no placeholder can ever reach Vault.
 */
export function writeOnlyData(account: string, variable: string): string {
  const missing = `TF_VAR_${variable} is not set: no password to write`;
  return `\${var.${variable} == null ? "${missing}" : jsonencode({ username = "${account}", password = var.${variable} })}`;
}

/** Every argument of a secret but its version: ignored after creation (the lifecycle below says why). */
export const SECRET_IGNORED_CHANGES = ["custom_metadata", "disable_read", "delete_all_versions", "cas", "options"] as const;

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
      dataJsonWo: writeOnlyData(account.name, variable),
      dataJsonWoVersion: account.passwordVersion,
      // Reading would copy the password into state on every refresh, and would need `read` on the secret at plan.
      disableRead: true,
      customMetadata: {
        // The rollback window of a rotation. Pinned per secret because the mount's own setting is not managed here
        // (production's secret/ exists), and a key's max_versions overrides the mount's (Vault KV v2 metadata API).
        maxVersions: KEPT_PASSWORD_VERSIONS,
        // Nothing here follows the data file's readers, usedBy or permissions, on purpose (the account_metadata output
        // holds those): see ignoreChanges below.
        data: {
          managed_by: "terraform: access data file",
          rotation: "raise passwordVersion in the data file; never write this secret by hand",
        },
      },
      lifecycle: {
        // Holds a live credential: a change that would replace it (a new mount or name) must fail the plan. Removing
        // the entry is stopped by the account guard (constructs/account-guard.ts), which prevent_destroy cannot do once
        // the block is gone (Terraform checks it only for resources still in the configuration).
        preventDestroy: true,
        // The only update this resource may ever plan is a rotation (data_json_wo_version). The provider writes the
        // secret's data on every update, with one function for create and update (resource_kv_secret_v2.go ~51-52),
        // and for an update that does not raise the version the body is empty, so the apply fails at the JSON decode
        // (~213-222: `data_json "" syntax error: unexpected end of JSON input`, provider issue #2588). Ignoring every
        // other argument makes such an update impossible: a changed metadata text or flag takes effect only for a new
        // secret. (The refresh never reads metadata back, disable_read ~298-300, so there is no drift to ignore.)
        ignoreChanges: [...SECRET_IGNORED_CHANGES],
      },
    });
    this.secret.overrideLogicalId(terraformId(account.name));
  }
}
