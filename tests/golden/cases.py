"""The golden cases: every command and output format the README shows, on the demo organization
and on the other fixture families, each written as the `iamgraph` command line it runs.

`{out}` in a command line is the case's own temporary folder (written files are read back from
it and named in `files`); `setup` names a function in `capture.SETUPS` that prepares it first.
Solver commands get a generous `--timeout` so that no answer depends on how loaded the machine
is. Command lines are split with `shlex`, so quote as in a shell.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One `iamgraph` invocation whose exit code, stdout, stderr and written files are golden."""

    name: str
    argv: tuple[str, ...]
    files: tuple[str, ...] = ()  # files under {out} whose (normalized) text is golden too
    setup: str | None = None  # a preparation of {out}: see capture.SETUPS
    subprocess: bool = False  # run the installed script instead of the CLI app in a fork
    heavy: bool = False  # started first, so that cases run two at a time finish together


CASES: list[Case] = []


def add(
    name: str,
    command: str,
    files: tuple[str, ...] = (),
    setup: str | None = None,
    heavy: bool = False,
) -> None:
    CASES.append(Case(name, tuple(shlex.split(command)), files, setup, heavy=heavy))


DEMO = "fixtures/demo-org"
BAD = "fixtures/bad"
POL = "fixtures/policies"
DIFF = "fixtures/policies/diff"
SCP = "fixtures/policies/scp"
SIM = "fixtures/simulate"
PLANS = "fixtures/plans"
LOADERS = "fixtures/loaders"
T = "--timeout 120"  # seconds per solver call: far beyond what any case needs
TRAIL = "arn:aws:cloudtrail:us-east-1:111122223333:trail/acme-org-trail"
M = "arn:aws:iam::111122223333"  # the demo organization's management account
DEV = "arn:aws:iam::555566667777"  # the data-lake account of fixtures/simulate
CI_DEPLOYER = f"{M}:user/ci-deployer"
ONCALL = f"{M}:user/oncall-engineer"
BREAK_GLASS = f"{M}:role/BreakGlassAdmin"
DEV_ONE = "arn:aws:iam::555566667777:user/dev.one"
OPS_AUTOMATION = "arn:aws:iam::444455556666:role/ops-automation"
SECURITY_TOOLING = "arn:aws:iam::333344445555:role/SecurityTooling"
FINDINGS_REPORT = "arn:aws:s3:::acme-security-findings-333344445555/report.json"

SNAPSHOTS = {
    "demo": DEMO,
    "collect-twin": "fixtures/collect-twin",
    "audit-iam": "fixtures/audit/iam",
    "audit-privileged-bad": "fixtures/audit/privileged/bad",
    "audit-privileged-clean": "fixtures/audit/privileged/clean",
    "audit-trail-bad": "fixtures/audit/trail/bad",
    "audit-trail-clean": "fixtures/audit/trail/clean",
    "audit-trail-gaps": "fixtures/audit/trail/gaps",
    "audit-trail-standalone": "fixtures/audit/trail/standalone",
    "privesc-credentials-and-trust": "fixtures/privesc/credentials-and-trust",
    "privesc-existing-compute": "fixtures/privesc/existing-compute",
    "privesc-gained-permissions": "fixtures/privesc/gained-permissions",
    "privesc-iam-writes": "fixtures/privesc/iam-writes",
    "privesc-passrole-compute": "fixtures/privesc/passrole-compute",
    "privesc-policy-versions": "fixtures/privesc/policy-versions",
    "privesc-time-bound": "fixtures/privesc/time-bound",
}
PRIVESC = {n.removeprefix("privesc-"): p for n, p in SNAPSHOTS.items() if n.startswith("privesc-")}

# -- --version and usage errors --------------------------------------------------------------
add("version", "--version")
add("usage-can-missing-resource", f"can {DEMO} {CI_DEPLOYER} cloudtrail:StopLogging")
add("usage-unknown-command", f"privilege {DEMO}")

# -- summary: every snapshot ------------------------------------------------------------------
for n, path in SNAPSHOTS.items():
    add(f"summary-{n}", f"summary {path}")
add("summary-demo-json", f"summary {DEMO} --format json")
add("summary-collect-twin-json", "summary fixtures/collect-twin -f json")
add("summary-auth-file", f"summary {LOADERS}/authorization/json-string-documents.json")

# -- lint -------------------------------------------------------------------------------------
for n, path in SNAPSHOTS.items():
    add(f"lint-{n}", f"lint {path}")
add("lint-demo-json", f"lint {DEMO} -f json")
add("lint-demo-fail-on-error", f"lint {DEMO} --fail-on error")
add("lint-scp-mid-wildcard", f"lint --kind scp {POL}/scp-mid-wildcard.json")
add("lint-grammar-errors-json", f"lint -f json {POL}/grammar-errors.json")
add("lint-grammar-errors", f"lint {POL}/grammar-errors.json")
add("lint-ci-deploy-typos", f"lint {POL}/ci-deploy-typos.json")
add("lint-home-folder-2008", f"lint {POL}/home-folder-2008.json")
add("lint-read-reports", f"lint {POL}/read-reports.json")
add("lint-policy-dirs", f"lint {DIFF} {SCP} --fail-on never")
add("lint-simulate-dir", f"lint {SIM}")
add(
    "lint-loaders",
    f"lint {LOADERS}/authorization/json-string-documents.json"
    f" {LOADERS}/resources/s3/org-cloudtrail-logs-111122223333/get-bucket-policy.json"
    f" {LOADERS}/resources/kms/1234abcd-12ab-34cd-56ef-1234567890ab.json",
)
add("lint-loaders-json", f"lint {LOADERS}/authorization/json-string-documents.json -f json")
add("lint-kind-trust", f"lint --kind trust {POL}/read-reports.json")
add("lint-kind-rcp", f"lint --kind rcp {SCP}/rcp-data-perimeter.json")
# issue 16 item 7: findings in AWS managed policies counted in one line unless asked for
add("lint-aws-managed", f"lint {LOADERS}/aws-managed/get-account-authorization-details.json")
add(
    "lint-aws-managed-included",
    f"lint --include-aws-managed {LOADERS}/aws-managed/get-account-authorization-details.json",
)
# issue 16 item 6: a dump in the wrong account folder, an ARN account that is not an id
add(
    "lint-contradictions",
    f"lint {LOADERS}/contradictions/wrong-folder {LOADERS}/contradictions/not-an-account.json",
)
add("summary-wrong-folder", f"summary {LOADERS}/contradictions/wrong-folder")
SCP_REPO = " ".join(
    f"{POL}/scp-repo/{n}.json"
    for n in (
        "deny-guardduty-changes",
        "deny-leave-organization",
        "deny-root-user",
        "deny-s3-public-access-changes",  # a `//` comment: one IAMG-L010, the rest still linted
        "require-imdsv2",
    )
)
add("lint-scp-repo", f"lint --kind scp {SCP_REPO}")
add("lint-scp-repo-json", f"lint --kind scp -f json {SCP_REPO}")
add("lint-scp-repo-strict", f"lint --kind scp --strict {SCP_REPO}")

# -- simulate: the README's requests, both engines, custom mode -------------------------------
SIMULATE = {
    "ops-trail-operator": f"{DEMO} --principal {OPS_AUTOMATION} --action sts:AssumeRole"
    f" --resource {M}:role/TrailOperator",
    "oncall-break-glass": f"{DEMO} --principal {ONCALL} --action sts:AssumeRole"
    f" --resource {BREAK_GLASS}",
    "ci-passrole": f"{DEMO} --principal {CI_DEPLOYER} --action iam:PassRole"
    f" --action lambda:CreateFunction --resource {M}:role/lambda-org-maintenance"
    " --context iam:PassedToService=lambda.amazonaws.com",
    "custom": f"--identity-policy {SIM}/data-engineer.json --boundary {SIM}/read-only-boundary.json"
    f" --scp-level {SIM}/full-aws-access.json"
    f" --scp-level {SIM}/full-aws-access.json,{SIM}/deny-outside-regions.json"
    " --caller-arn arn:aws:iam::555566667777:user/dana"
    " --action s3:GetObject --action s3:PutObject --action s3:DeleteObject"
    " --resource arn:aws:s3:::acme-datalake-555566667777/raw/2026/11/events.json"
    " --context aws:RequestedRegion=us-east-1",
    "custom-partner": f"--identity-policy {SIM}/partner-ingest.json"
    f" --resource-policy {SIM}/datalake-bucket-policy.json"
    " --caller-arn arn:aws:sts::999988887777:assumed-role/partner-ingest/etl"
    " --caller-role-arn arn:aws:iam::999988887777:role/partner-ingest"
    " --resource-owner 555566667777 --action s3:GetObject"
    " --resource arn:aws:s3:::acme-datalake-555566667777/shared/report.csv"
    " --resource arn:aws:s3:::acme-datalake-555566667777/raw/x.json"
    " --context aws:SecureTransport=true",
}
for n, args in SIMULATE.items():
    add(f"simulate-{n}", f"simulate {args}")
    add(f"simulate-{n}-json", f"simulate {args} -f json")
    add(f"simulate-{n}-solver", f"simulate {args} --engine solver")
# issue 16: policy variables (V1-V5) and request lists (C8-C10), decided by both engines
HOME = "arn:aws:s3:::acme-home-555566667777"
VARIABLES = (
    f"--identity-policy {SIM}/home-folders.json --caller-arn arn:aws:iam::555566667777:user/dana"
    " --action s3:GetObject --action s3:PutObject"
    f" --resource {HOME}/home/dana/notes.txt --resource {HOME}/teams/data/plan.md"
    f" --resource {HOME}/teams/company-wide/handbook.pdf"
    f" --resource '{HOME}/home/dana/$RECYCLE.BIN/desktop.ini'"
    f" --context-entries file://{SIM}/context-home.json"
)
add("simulate-variables", f"simulate {VARIABLES}")
add("simulate-variables-solver", f"simulate {VARIABLES} --engine solver")
TAGGING = (
    f"--identity-policy {SIM}/tagging-guardrails.json"
    " --caller-arn arn:aws:sts::555566667777:assumed-role/data-platform/ci --action ec2:CreateTags"
    " --resource arn:aws:ec2:eu-west-1:555566667777:instance/i-0a1b2c3d4e5f60718"
)
for n in ("team-tags", "tag-case", "no-tags"):
    add(
        f"simulate-{n}-solver",
        f"simulate {TAGGING} --context-entries file://{SIM}/context-{n}.json --engine solver",
    )
add(
    "simulate-called-via-solver-json",
    f"simulate --identity-policy {SIM}/tagging-guardrails.json"
    " --caller-arn arn:aws:sts::555566667777:assumed-role/data-platform/ci --action s3:GetObject"
    " --resource arn:aws:s3:::acme-athena-results-555566667777/queries/2026-11-30.csv"
    f" --context-entries file://{SIM}/context-called-via.json --engine solver -f json",
)
ONCALL_SIM = SIMULATE["oncall-break-glass"]
add("simulate-oncall-mfa-json", f"simulate {ONCALL_SIM} --mfa mfa -f json")
add("simulate-oncall-keys", f"simulate {ONCALL_SIM} --mfa keys")
add(
    "simulate-context-entries",
    f"simulate {ONCALL_SIM} --context-entries '"
    '[{"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"],'
    ' "ContextKeyType": "boolean"}, {"ContextKeyName": "aws:MultiFactorAuthAge",'
    ' "ContextKeyValues": ["300"], "ContextKeyType": "numeric"}]\'',
)
add(
    "simulate-security-tooling-unknown",
    f"simulate {DEMO} --principal {SECURITY_TOOLING} --action s3:GetObject --resource {FINDINGS_REPORT}",
)
add("simulate-typo", f"simulate {DEMO} --principal {ONCALL} --action sts:AssumeRol")
add(
    "simulate-typo-allowed",
    f"simulate {DEMO} --principal {ONCALL} --action sts:AssumeRol --resource {BREAK_GLASS}"
    " --allow-unknown-action",
)
add("simulate-pattern", f"simulate {DEMO} --principal {ONCALL} --action 's3:Get*'")
add(
    "simulate-unknown-principal",
    f"simulate {DEMO} --principal {M}:user/nobody --action s3:GetObject",
)

# federated callers (issue 16 item 3): GitHub Actions OIDC and IAM Identity Center SAML
GH = f"{SIM}/github-deploy-trust.json --caller-arn {DEV}:oidc-provider/token.actions.githubusercontent.com"
FEDERATED = {
    "github-main": f"--resource-policy {GH} --action sts:AssumeRoleWithWebIdentity"
    f" --resource {DEV}:role/github-actions-deploy"
    f" --context-entries file://{SIM}/github-token-main.json",
    "github-pull-request": f"--resource-policy {GH} --action sts:AssumeRoleWithWebIdentity"
    f" --resource {DEV}:role/github-actions-deploy"
    f" --context-entries file://{SIM}/github-token-pull-request.json",
    "sso": f"--resource-policy {SIM}/sso-administrator-trust.json"
    f" --caller-arn {DEV}:saml-provider/AWSSSO_5f2c8e1a9b3d4c07_DO_NOT_DELETE"
    " --action sts:AssumeRoleWithSAML --action sts:TagSession"
    f" --resource {DEV}:role/aws-reserved/sso.amazonaws.com/eu-west-1/"
    "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789"
    f" --context-entries file://{SIM}/sso-assertion.json",
}
for n, args in FEDERATED.items():
    add(f"simulate-federated-{n}", f"simulate {args}")
    add(f"simulate-federated-{n}-solver", f"simulate {args} --engine solver")
add("simulate-federated-sso-json", f"simulate {FEDERATED['sso']} -f json")
add(
    "simulate-federated-no-trust",
    f"simulate --caller-arn {DEV}:oidc-provider/token.actions.githubusercontent.com"
    f" --action sts:AssumeRoleWithWebIdentity --resource {DEV}:role/github-actions-deploy",
)

# -- can --------------------------------------------------------------------------------------
CAN_CI = f"can {DEMO} {CI_DEPLOYER} cloudtrail:StopLogging {TRAIL}"
add("can-ci-deployer-no-mfa", f"{CAN_CI} --no-mfa {T}")
add("can-ci-deployer-no-mfa-json", f"{CAN_CI} --no-mfa -f json {T}")
add("can-ci-deployer-direct", f"{CAN_CI} --direct {T}")
add("can-ci-deployer-mfa", f"{CAN_CI} --mfa {T}")
CAN_ONCALL = f"can {DEMO} {ONCALL} sts:AssumeRole {BREAK_GLASS}"
add("can-oncall-break-glass", f"{CAN_ONCALL} --no-mfa {T}")
add("can-oncall-break-glass-json", f"{CAN_ONCALL} -f json {T}")
add(
    "can-security-tooling-unknown",
    f"can {DEMO} {SECURITY_TOOLING} s3:GetObject {FINDINGS_REPORT} {T}",
)
add("can-typo", f"can {DEMO} {CI_DEPLOYER} cloudtrail:StopLoging {TRAIL}")
add(
    "can-typo-allowed",
    f"can {DEMO} {CI_DEPLOYER} cloudtrail:StopLoging {TRAIL} --allow-unknown-action {T}",
)
add("can-no-prefix", f"can {DEMO} {CI_DEPLOYER} StopLogging acme-org-trail")
add("can-unknown-principal", f"can {DEMO} {M}:user/nobody s3:GetObject '*'")
add(
    "can-patterns-render",
    f"can {DEMO} {CI_DEPLOYER} 'cloudtrail:Stop*' {TRAIL} --action cloudtrail:DeleteTrail --no-mfa"
    f" --render {{out}}/can.dot {T}",
    files=("can.dot",),
)
add(
    "can-context",
    f"can {DEMO} {DEV_ONE} s3:PutObject 'arn:aws:s3:::*' --context aws:RequestedRegion=eu-west-1 {T}",
)

# -- who-can ----------------------------------------------------------------------------------
WHO_TRAIL = f"who-can {DEMO} --action cloudtrail:StopLogging --resource {TRAIL}"
add("who-can-stop-logging-no-mfa", f"{WHO_TRAIL} --no-mfa {T}")
add("who-can-stop-logging-no-mfa-json", f"{WHO_TRAIL} --no-mfa -f json {T}")
add("who-can-stop-logging-direct", f"{WHO_TRAIL} --direct {T}")
add("who-can-stop-logging-where", f"{WHO_TRAIL} --where aws:RequestedRegion=eu-west-1 --direct {T}")
# --mfa over every principal takes about 5 s of CPU; `can --mfa` and `paths` cover the mode
add(
    "who-can-assume-break-glass-direct",
    f"who-can {DEMO} --action sts:AssumeRole --resource {BREAK_GLASS} --direct"
    f" --render {{out}}/who.dot {T}",
    files=("who.dot",),
)
add("who-can-typo", f"who-can {DEMO} --action cloudtrail:StopLoging --resource {TRAIL}")

# -- ask --------------------------------------------------------------------------------------
add(
    "ask-non-mfa-delete-trail",
    f"ask {DEMO} 'can any non-MFA principal delete the trail' --render {{out}}/trail.dot {T}",
    files=("trail.dot",),
)
TAMPER_BUCKET = "'can user ci-deployer tamper with the trail bucket'"
add("ask-ci-deployer-tamper-bucket", f"ask {DEMO} {TAMPER_BUCKET} {T}")
add("ask-ci-deployer-tamper-bucket-json", f"ask {DEMO} {TAMPER_BUCKET} -f json {T}")
add("ask-who-read-trail-key", f"ask {DEMO} 'who can read the trail key without MFA' {T}")
add("ask-dev-one-write-trail-direct", f"ask {DEMO} 'can user dev.one write the trail' --direct {T}")
add("ask-trial", f"ask {DEMO} 'can any non-MFA principal delete the trial'")
add("ask-ambiguous-role", f"ask {DEMO} 'can role BreakGlassAdmin delete the trail'")
add("ask-action-typo", f"ask {DEMO} 'who can cloudtrail:StopLoging the trail'")
# issue 19: questions that map to paths and privesc, a filter, and a phrasing error's suggestion
add("ask-dev-one-become-admin", f"ask {DEMO} 'can dev.one become admin' {T}")
add("ask-admins-in-account", f"ask {DEMO} 'who are the admins in account acme-dev' {T}")
add(
    "ask-admins-in-account-json", f"ask {DEMO} 'who are the admins in account acme-dev' -f json {T}"
)
add(
    "ask-break-glass-no-mfa",
    f"ask {DEMO} 'which principals without MFA can assume BreakGlassAdmin?' {T}",
)
add(
    "ask-outside-log-bucket",
    f"ask {DEMO} 'can anyone outside the organization read the log bucket' {T}",
)
add("ask-stop-loging", f"ask {DEMO} 'who can stop loging on the trail'")

# -- paths ------------------------------------------------------------------------------------
add("paths-dev-one-admin", f"paths {DEMO} --from {DEV_ONE} --to admin {T}")
add("paths-dev-one-admin-json", f"paths {DEMO} --from {DEV_ONE} --to admin -f json {T}")
add(
    "paths-priya-lambda",
    f"paths {DEMO} --from {M}:user/priya.patel --to {M}:role/lambda-cost-reporter {T}",
)
add(
    "paths-ops-trail-operator",
    f"paths {DEMO} --from {OPS_AUTOMATION} --to {M}:role/TrailOperator {T}",
)
add(
    "paths-ci-deployer-request",
    f"paths {DEMO} --from {CI_DEPLOYER} --action cloudtrail:StopLogging --resource {TRAIL}"
    f" --no-mfa --render {{out}}/paths.dot {T}",
    files=("paths.dot",),
)
add(
    "paths-gained-permissions",
    f"paths {PRIVESC['gained-permissions']} --from arn:aws:iam::210000000007:user/ops-break-glass"
    f" --to admin {T}",
)

# -- privesc ----------------------------------------------------------------------------------
add("privesc-demo", f"privesc {DEMO} --render {{out}}/privesc.dot {T}", files=("privesc.dot",))
add("privesc-demo-json", f"privesc {DEMO} -f json {T}")
add("privesc-demo-no-mfa", f"privesc {DEMO} --no-mfa {T}")
for n, path in PRIVESC.items():
    add(f"privesc-{n}", f"privesc {path} {T}")

# -- graph ------------------------------------------------------------------------------------
add("graph-demo", f"graph {DEMO} --render {{out}}/demo-org.dot {T}", files=("demo-org.dot",))
add(
    "graph-demo-dev-escalation",
    f"graph {DEMO} --account 555566667777 --escalation-only --render {{out}}/demo-dev.dot {T}",
    files=("demo-dev.dot",),
)
add(
    "graph-demo-svg",
    f"graph {DEMO} --account 555566667777 --render {{out}}/demo-dev.svg {T}",
    files=("demo-dev.svg",),
)
add("graph-bad-suffix", f"graph {DEMO} --render {{out}}/demo.txt")
for n in ("credentials-and-trust", "existing-compute", "gained-permissions"):
    add(f"graph-privesc-{n}", f"graph {PRIVESC[n]} --render {{out}}/g.dot {T}", files=("g.dot",))

# -- diff-policy and check-access -------------------------------------------------------------
WILDCARD, EXPANDED = f"{DIFF}/reader-wildcard.json", f"{DIFF}/reader-expanded.json"
WIDENED = f"{DIFF}/reader-widened.json"
add("diff-policy-wildcard-expanded", f"diff-policy {WILDCARD} {EXPANDED} {T}")
add("diff-policy-expanded-wildcard", f"diff-policy {EXPANDED} {WILDCARD} {T}")
add("diff-policy-expanded-wildcard-json", f"diff-policy {EXPANDED} {WILDCARD} -f json {T}")
for fmt in ("text", "json", "sarif", "markdown"):
    add(f"diff-policy-widened-{fmt}", f"diff-policy {WILDCARD} {WIDENED} -f {fmt} {T}")
add("diff-policy-widened-unknown-pass", f"diff-policy {WILDCARD} {WIDENED} --unknown pass {T}")
# a variable's value as a string or a one-element list: the same policy (issue 16)
HOME_STRING, HOME_LIST = f"{DIFF}/home-folder-string.json", f"{DIFF}/home-folder-list.json"
add("diff-policy-variable-string-list", f"diff-policy {HOME_STRING} {HOME_LIST} {T}")
BUCKET = f"{DIFF}/bucket-policy-before.json {DIFF}/bucket-policy-after.json"
add("diff-policy-bucket", f"diff-policy {BUCKET} {T}")
add("diff-policy-bucket-json", f"diff-policy {BUCKET} -f json {T}")
PROTECT = f"{DIFF}/scp-protect-trail-before.json {DIFF}/scp-protect-trail-after.json"
add("diff-policy-scp-protect-trail", f"diff-policy {PROTECT} {T}")
add("diff-policy-scp-protect-trail-markdown", f"diff-policy {PROTECT} -f markdown {T}")
GUARDRAILS = f"diff-policy --type scp {SCP}/guardrails.json"
add("diff-policy-scp-no-stop-logging", f"{GUARDRAILS} {SCP}/guardrails-no-stop-logging.json {T}")
add(
    "diff-policy-scp-no-stop-logging-sarif",
    f"{GUARDRAILS} {SCP}/guardrails-no-stop-logging.json -f sarif {T}",
)
add("diff-policy-scp-deny-iam-users", f"{GUARDRAILS} {SCP}/guardrails-deny-iam-users.json {T}")
add("diff-policy-scp-sydney", f"{GUARDRAILS} {SCP}/guardrails-sydney.json {T}")
add(
    "diff-policy-rcp-no-kms",
    f"diff-policy --type rcp {SCP}/rcp-data-perimeter.json {SCP}/rcp-data-perimeter-no-kms.json {T}",
)
IN_DEMO = f"--type scp --snapshot {DEMO}"
LEAVE_TO_TAMPER = f"{SCP}/deny-leave-organization.json {SCP}/deny-cloudtrail-tampering.json"
add(
    "diff-policy-scp-in-demo-dev",
    f"diff-policy {IN_DEMO} --target 555566667777 {LEAVE_TO_TAMPER} {T}",
)
add(
    "diff-policy-scp-in-demo-prod-ou",
    f"diff-policy {IN_DEMO} --target ou-a1b2-prd00001 {LEAVE_TO_TAMPER} {T}",
)
add(
    "diff-policy-scp-in-demo-management",
    f"diff-policy {IN_DEMO} --target 111122223333 {LEAVE_TO_TAMPER} {T}",
)
add(
    "diff-policy-suppressions",
    f"diff-policy {WILDCARD} {WIDENED} --suppressions docs/suppressions-example.toml {T}",
)
add(
    "diff-policy-suppressions-missing",
    f"diff-policy {WILDCARD} {WIDENED} --suppressions {{out}}/none.toml",
)
add("diff-policy-bad-json", f"diff-policy {WILDCARD} {BAD}/policy-truncated.json")
PUT_REPORTS = "--action 's3:Put*' --resource 'arn:aws:s3:::acme-reports/*'"
add("check-access-widened-put", f"check-access {WIDENED} {PUT_REPORTS} {T}")
add("check-access-widened-put-sarif", f"check-access {WIDENED} {PUT_REPORTS} -f sarif {T}")
add(
    "check-access-wildcard-put-iam",
    f"check-access {WILDCARD} --action 's3:Put*' --action 'iam:*' {T}",
)
add(
    "check-access-wildcard-put-iam-json",
    f"check-access {WILDCARD} --action 's3:Put*' --action 'iam:*' -f json {T}",
)
TYPO = f"check-access {WILDCARD} --action s3:PutObjekt"
add("check-access-typo-allowed", f"{TYPO} --allow-unknown-action {T}")
add("check-access-typo-allowed-markdown", f"{TYPO} --allow-unknown-action -f markdown {T}")
add("check-access-typo", TYPO)
LEAVE = f"check-access --type scp {SCP}/deny-leave-organization.json"
add("check-access-scp-leave", f"{LEAVE} --action organizations:LeaveOrganization {T}")
add(
    "check-access-scp-get-object",
    f"{LEAVE} --action s3:GetObject --resource 'arn:aws:s3:::acme-reports/*' {T}",
)
add(
    "check-access-bucket-policy",
    f"check-access {DIFF}/bucket-policy-after.json --action s3:GetObject {T}",
)
add(
    "check-access-scp-in-demo",
    f"check-access {IN_DEMO} --target ou-a1b2-dev00001 {SCP}/deny-cloudtrail-tampering.json"
    f" --action cloudtrail:StopLogging {T}",
)

# -- diff: two snapshots, Terraform plans -----------------------------------------------------
INV = "--invariants iamgraph.toml"
NO_DENY = "demo-without-deny-assume"
add("diff-demo-no-deny-assume", f"diff {DEMO} {{out}}/after {INV} {T}", setup=NO_DENY)
add("diff-demo-no-deny-assume-json", f"diff {DEMO} {{out}}/after -f json {T}", setup=NO_DENY)
add("diff-demo-unchanged", f"diff {DEMO} {{out}}/after {T}", setup="demo-copy")
PASSROLE = f"diff {DEMO} --plan {PLANS}/passrole-path.json"
add("diff-plan-passrole-path", f"{PASSROLE} {INV} {T}")
for fmt in ("json", "sarif", "markdown"):
    add(f"diff-plan-passrole-path-{fmt}", f"{PASSROLE} -f {fmt} {T}")
add(
    "diff-plan-passrole-path-markdown-render",
    f"{PASSROLE} {INV} -f markdown --render {{out}}/diff.dot {T}",
    files=("diff.dot",),
)
for plan in (
    "harmless-refactor",
    "aws-managed-missing",
    "role-trusts-account",
    "scp-create",
    "scp-edit",
    "users-and-groups",
):
    # scp-create takes about 14 s of CPU: z3 enumerates the classes of new access of 7 principals
    add(
        f"diff-plan-{plan}",
        f"diff {DEMO} --plan {PLANS}/{plan}.json {T}",
        heavy=plan == "scp-create",
    )
add(
    "diff-plan-aws-managed-missing-unknown-fail",
    f"diff {DEMO} --plan {PLANS}/aws-managed-missing.json --unknown fail {T}",
)
for bad in (
    "actions-not-list",
    "format-version-2",
    "human-readable",
    "no-account",
    "policy-not-json",
    "state-not-plan",
    "statement-missing-effect",
    "users-not-list",
):
    add(f"diff-plan-bad-{bad}", f"diff {DEMO} --plan {PLANS}/bad/{bad}.json")
add(
    "diff-plan-no-account-given",
    f"diff {DEMO} --plan {PLANS}/bad/no-account.json --account 111122223333 {T}",
)
add(
    "diff-plan-one-account",
    f"diff fixtures/privesc/iam-writes --plan {PLANS}/bad/no-account.json {T}",
)
add("diff-plan-and-after", f"diff {DEMO} {DEMO} --plan {PLANS}/scp-edit.json")

# -- check ------------------------------------------------------------------------------------
add("check-demo", f"check {DEMO} {T}")
for fmt in ("json", "sarif", "markdown"):
    add(f"check-demo-{fmt}", f"check {DEMO} -f {fmt} {T}")
add("check-demo-suppressions", f"check {DEMO} --suppressions docs/suppressions-example.toml {T}")
add(
    "check-demo-render",
    f"check {DEMO} --render {{out}}/check.dot -f markdown {T}",
    files=("check.dot",),
)
add("check-collect-twin", f"check fixtures/collect-twin {T}")
add("check-audit-trail-bad", f"check fixtures/audit/trail/bad {T}")
add("check-bad-invariants", f"check {DEMO} --invariants {POL}/read-reports.json")
add("check-missing-invariants", f"check {DEMO} --invariants {{out}}/missing.toml")

# -- audit ------------------------------------------------------------------------------------
add("audit-list", f"audit {DEMO} --list")
add("audit-demo", f"audit {DEMO} {T}")
add("audit-demo-critical", f"audit {DEMO} --severity critical {T}")
add("audit-demo-two-keys-json", f"audit {DEMO} --check IAM.CREDS.TWO_ACTIVE_KEYS -f json {T}")
for fmt in ("json", "sarif", "markdown"):
    add(f"audit-demo-{fmt}", f"audit {DEMO} -f {fmt} {T}")
add("audit-demo-html", f"audit {DEMO} --output {{out}}/audit.html {T}", files=("audit.html",))
add(
    "audit-demo-json-output",
    f"audit {DEMO} --severity high -f json -o {{out}}/audit.json {T}",
    files=("audit.json",),
)
add(
    "audit-demo-as-of",
    f"audit {DEMO} --check IAM.CREDS.KEY_AGE --check IAM.CREDS.KEY_UNUSED --as-of 2027-06-01 {T}",
)
add("audit-demo-unknown-pass", f"audit {DEMO} --check IAM.PRIVESC.PATH --unknown pass {T}")
add("audit-bad-check", f"audit {DEMO} --check IAM.NOPE")
add("audit-bad-as-of", f"audit {DEMO} --as-of yesterday")
for n, path in SNAPSHOTS.items():
    if n.startswith("audit-") or n == "collect-twin":
        add(f"audit-{n.removeprefix('audit-')}", f"audit {path} {T}")
add("audit-privesc-time-bound", f"audit {PRIVESC['time-bound']} {T}")
# passrole-compute has no snapshot.json and no credential report: ages would be from today
add("audit-privesc-passrole-compute", f"audit {PRIVESC['passrole-compute']} --as-of 2026-11-20 {T}")

# -- bad input: exit 2 and one line -----------------------------------------------------------
BAD_FILES = (
    "action-and-notaction",
    "arn-account-11-digits",
    "condition-forallvalues-null",
    "condition-stringequalz",
    "condition-value-object",
    "effect-lowercase",
    "empty",
    "identity-no-resource",
    "managed-policy-two-defaults",
    "not-utf8",
    "policy-document-not-json",
    "policy-document-urlencoded-list",
    "policy-truncated",
    "principal-in-identity-policy",
    "role-arn-is-user-arn",
    "statement-missing-effect",
    "top-level-list",
    "trailing-comma",
    "truncated",
    "trust-policy-number",
    "user-arn-not-arn",
    "user-detail-list-object",
    "user-missing-username",
)
for bad in BAD_FILES:
    add(f"bad-summary-{bad}", f"summary {BAD}/{bad}.json")
for bad in (
    "policy-truncated",
    "empty",
    "not-utf8",
    "trailing-comma",
    "top-level-list",
    "user-missing-username",
    "effect-lowercase",
    "condition-stringequalz",
):
    add(f"bad-lint-{bad}", f"lint {BAD}/{bad}.json")
BAD_SNAPSHOTS = (
    "snapshot-bad-account-dir",
    "snapshot-credential-report-no-mfa",
    "snapshot-instances-not-list",
    "snapshot-lambda-role-not-arn",
    "snapshot-org-missing-id",
    "snapshot-scp-content-not-json",
    "snapshot-ssm-node-id-number",
    "snapshot-summary-string-value",
    "snapshot-trail-islogging-yes",
)
for bad in BAD_SNAPSHOTS:
    add(f"bad-summary-{bad}", f"summary {BAD}/{bad}")
add("bad-privesc-snapshot-org-missing-id", f"privesc {BAD}/snapshot-org-missing-id")
add(
    "bad-audit-snapshot-trail-islogging-yes",
    f"audit {BAD}/snapshot-trail-islogging-yes --as-of 2026-11-20",
)
add("bad-lint-snapshot-scp-content-not-json", f"lint {BAD}/snapshot-scp-content-not-json")
add("bad-lint-snapshot-summary-string-value", f"lint {BAD}/snapshot-summary-string-value")
add(
    "bad-lint-strict-snapshot-summary-string-value",
    f"lint --strict {BAD}/snapshot-summary-string-value",
)
add("bad-summary-empty-folder", "summary {out}/empty", setup="empty-folder")
add("bad-summary-missing", "summary {out}/missing")
add("bad-lint-missing", "lint {out}/missing.json")
add("bad-lint-not-a-snapshot", f"lint {LOADERS}")
add(
    "bad-simulate-policy",
    f"simulate --identity-policy {BAD}/policy-truncated.json --action s3:GetObject",
)
add("bad-check-access-policy", f"check-access {BAD}/empty.json --action s3:GetObject")

assert len({c.name for c in CASES}) == len(CASES), "case names must be unique"
