# One -target=<address> per Vault resource of the synthesized stack (cdk.tf.json), for the merge-request plan: it
# leaves out the GitLab resources, so that the plan needs no GitLab token (docs/enable-pipeline.md).
.resource | to_entries[] | select(.key | startswith("vault_")) | .key as $type | .value | keys[] | "-target=\($type).\(.)"
