"""Questions a change must answer before it merges: what a new policy grants (`policy_diff`),
what a changed snapshot or Terraform plan grants (`snapshot_diff`, `plan`), the invariants
of `iamgraph.toml`, exposure to the public, suppressions, and policy lint."""
