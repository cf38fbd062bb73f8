# One -target=<address> per Vault resource of the synthesized stack (cdk.tf.json), for the merge-request plan: it
# leaves out the GitLab resources, so that the plan needs no GitLab token (README "The repository's pipeline").
.resource | to_entries[] | select(.key | startswith("vault_")) | .key as $type | .value | keys[] | "-target=\($type).\(.)"
