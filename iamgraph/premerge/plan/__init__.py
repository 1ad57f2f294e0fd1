"""A Terraform plan applied to a snapshot (FORMATS 1.8): `read` parses `terraform show -json`,
`resolve` settles what the plan leaves unknown until apply (the account, references, names
and ARNs), `state` holds the snapshot's IAM and organization data while changes are made, and
`apply` makes them, one handler per resource type (`apply_plan`)."""
