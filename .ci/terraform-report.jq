# `terraform show -json <plan>` -> the counts GitLab's merge-request Terraform widget reads
# (artifacts:reports:terraform). The expression GitLab documents in "Terraform integration in merge requests".
([.resource_changes[]?.change.actions?] | flatten) | {"create": (map(select(. == "create")) | length), "update": (map(select(. == "update")) | length), "delete": (map(select(. == "delete")) | length)}
