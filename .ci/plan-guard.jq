# `terraform show -json <plan>` -> refuses, before anything is applied, the changes this stack must never make.
#   jq -r -f .ci/plan-guard.jq < plan.json   (exit 0 and "plan-guard: ok ..." or exit 5 and one line per problem)
#
# 1. Destroying (or replacing) a secret, the KV mount, the JWT auth method or an account guard instance. prevent_destroy
#    and the account guard already fail such a plan; this is the check that still holds if a lifecycle setting is lost.
# 2. Creating a secret, or raising its passwordVersion, without its password variable (TF_VAR_<account>_password) in
#    this environment: the provider would refuse at apply, after other changes were applied
#    (constructs/service-account-secret.ts writeOnlyData). Only the variable's presence is read, never its value.
# 3. Updating a secret without raising its version: the provider would send an empty body and fail the apply
#    (terraform-provider-vault #2588); ignore_changes makes Terraform plan none, this catches a future regression.
# The plan JSON format: Terraform's "JSON Output Format" (resource_changes[].change.actions/before/after,
# configuration.root_module.resources[].expressions.<attr>.references).

def protected: .type == "vault_kv_secret_v2" or .type == "vault_mount" or .type == "vault_jwt_auth_backend"
  or (.type == "terraform_data" and .name == "account_guard");

# The password variable a secret's data_json_wo refers to, from the plan's copy of the configuration.
def password_variable($config; $address):
  [$config[]? | select(.address == $address) | .expressions.data_json_wo.references[]? | select(startswith("var."))]
  | first // null | if . then ltrimstr("var.") else null end;

(.configuration.root_module.resources // []) as $config
| [ .resource_changes[]? | select(.mode == "managed") | . as $rc | .change as $c
    | (if (protected) and ($c.actions | index("delete")) then
         "\(.address): would be destroyed (\($c.actions | join(", "))); a deleted or renamed entry keeps its secret only if Terraform stops managing it on purpose (runbook \"Retire an account\")"
       else empty end),
      (if .type == "vault_kv_secret_v2" and ($c.actions | index("create") or index("update")) then
         ($c.before.data_json_wo_version // null) as $old | ($c.after.data_json_wo_version // null) as $new
         | if $old == $new and ($c.actions | index("create") | not) then
             "\(.address): an update without a new data_json_wo_version would write an empty secret and fail the apply (provider #2588)"
           else
             (password_variable($config; $rc.address)) as $var
             | if $var == null then "\(.address): writes a password but its data_json_wo names no input variable"
               elif ($ENV["TF_VAR_" + $var] // "") == "" then
                 "\(.address): \(if $c.actions | index("create") then "is created" else "is rotated to version \($new)" end) but TF_VAR_\($var) is not set: set it (read -rs TF_VAR_\($var); export TF_VAR_\($var)) and plan again"
               else empty end
           end
       else empty end)
  ] as $problems
| if ($problems | length) > 0 then
    ($problems | map("plan-guard: " + .) | join("\n")) + "\nplan-guard: refused, nothing may be applied from this plan\n" | halt_error(5)
  else
    "plan-guard: ok (\([.resource_changes[]? | select(.change.actions != ["no-op"])] | length) changes checked)"
  end
