import { Construct } from "constructs";
import { TerraformResource } from "cdktf";
import { accountSecretPath } from "../lib/model/naming";

/** The address of the guard: `terraform_data.account_guard["svc-executor"]` is one account's instance. */
export const ACCOUNT_GUARD_ADDRESS = "terraform_data.account_guard";

export interface AccountGuardProps {
  /** Every account the data file declares, managed here or not (passwordVersion 0). */
  readonly accounts: readonly string[];
}

/**
 * Makes deleting or renaming an account entry fail the plan, so that no edit of the data file can make Terraform delete
 * a live password.
 *
 * `prevent_destroy` on the secret cannot do it: Terraform checks it only while the resource's block is still in the
 * configuration (internal/terraform/node_resource_abstract_instance.go ~182-185), and deleting the entry deletes the
 * block, so the plan would say "1 to destroy" (reproduced on Terraform 1.11.4). It does check it for an instance that
 * a `for_each` no longer lists, because the block is still there: this guard is one built-in `terraform_data` resource
 * (no provider, no data, no API call) with one instance per declared account and prevent_destroy, so a deleted or
 * renamed entry ends the plan with "Instance cannot be destroyed" before anything is applied. The end-to-end suite
 * runs exactly that on Terraform and OpenTofu. Retiring an account on purpose is an operator's act (docs: "Retire an
 * account").
 */
export class AccountGuard extends Construct {
  constructor(scope: Construct, id: string, props: AccountGuardProps) {
    super(scope, id);
    // Terraform's built-in terraform_data, declared as a plain resource: cdktf's DataResource class would add a
    // synth-time check that runs `terraform version` (cdktf 0.21.0 lib/terraform-data-resource.js:70,
    // ValidateTerraformVersion(">=1.4"), an execSync in lib/validations/validate-binary-version.js). That check fails
    // every synth on a machine without Terraform and costs a process start on every other one; the stack's
    // required_version (>= 1.11.0) already makes Terraform refuse a version without terraform_data (1.4+).
    const guard = new TerraformResource(this, "guard", {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      lifecycle: { preventDestroy: true },
    });
    guard.overrideLogicalId("account_guard");
    // A plain map in the JSON (a reviewer reads the account list); cdktf's iterators would render an expression.
    guard.addOverride("for_each", Object.fromEntries([...props.accounts].sort().map((name) => [name, accountSecretPath(name)])));
    guard.addOverride("input", "${each.value}");
  }
}
