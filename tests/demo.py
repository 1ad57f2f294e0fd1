"""The demo organization's ids and ARNs (fixtures/demo-org/README.md), named once for every test
that reads fixtures/demo-org. A literal id inside an expected string may stay: there the text
is the assertion."""

from __future__ import annotations

ORG_ID = "o-a1b2c3d4e5"
ROOT_ID = "r-a1b2"

# account ids, in the README's order
MGMT_ID = "111122223333"  # acme-management (SCPs do not apply to it)
LOGS_ID = "222233334444"  # acme-log-archive, OU Security
SECURITY_ID = "333344445555"  # acme-security-tooling, OU Security
PROD_ID = "444455556666"  # acme-prod, OU Workloads/Prod
DEV_ID = "555566667777"  # acme-dev, OU Workloads/Dev (no FullAWSAccess at the OU)
SHARED_ID = "666677778888"  # acme-shared-services, OU Workloads
ACCOUNT_IDS = (MGMT_ID, LOGS_ID, SECURITY_ID, PROD_ID, DEV_ID, SHARED_ID)


def iam(account: str) -> str:
    """The prefix of an account's IAM ARNs: f"{iam(DEV_ID)}:role/dev-admin"."""
    return f"arn:aws:iam::{account}"


MGMT, LOGS, SECURITY, PROD, DEV, SHARED = (iam(a) for a in ACCOUNT_IDS)

# principals many tests name
CI_DEPLOYER = f"{MGMT}:user/ci-deployer"
BREAK_GLASS = f"{MGMT}:role/BreakGlassAdmin"
PLATFORM_DEPLOY = f"{PROD}:role/PlatformDeploy"
DEV_ADMIN = f"{DEV}:role/dev-admin"  # fact 20: admin by its own permissions
SECURITY_TOOLING = f"{SECURITY}:role/SecurityTooling"

# the trails and what they write to
ORG_TRAIL = f"arn:aws:cloudtrail:us-east-1:{MGMT_ID}:trail/acme-org-trail"
DEV_TRAIL = f"arn:aws:cloudtrail:us-west-2:{DEV_ID}:trail/dev-local-trail"
TRAIL_BUCKET_NAME = f"acme-org-cloudtrail-logs-{LOGS_ID}"
TRAIL_BUCKET = f"arn:aws:s3:::{TRAIL_BUCKET_NAME}"
TRAIL_KEY = f"arn:aws:kms:us-east-1:{LOGS_ID}:key/6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
TRAIL_TOPIC = f"arn:aws:sns:us-east-1:{MGMT_ID}:acme-org-trail-notifications"
DEV_TRAIL_BUCKET = f"arn:aws:s3:::acme-dev-trail-{DEV_ID}"
DATALAKE = f"arn:aws:s3:::acme-datalake-{DEV_ID}"
