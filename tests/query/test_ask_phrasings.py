"""Issue 19: questions typed the way security engineers type them, by class (verbs, subjects,
objects, clauses, admin and path questions, and the noise that never matters), each asserted
on what it maps to: the command, the action set, the resources, the principal filter, the
MFA mode, the principal and the path's end. Parsing needs no solver: the whole module reads
the demo snapshot once (the session's `demo`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from iamgraph.query.grammar import parse
from tests.demo import (
    BREAK_GLASS,
    CI_DEPLOYER,
    DEV,
    DEV_ADMIN,
    DEV_ID,
    DEV_TRAIL,
    LOGS,
    LOGS_ID,
    MGMT,
    MGMT_ID,
    ORG_TRAIL,
    PROD,
    PROD_ID,
    SECURITY_ID,
    SHARED,
    SHARED_ID,
    TRAIL_BUCKET,
    TRAIL_BUCKET_NAME,
    TRAIL_KEY,
    TRAIL_TOPIC,
)

T, B, OBJ, K, TP = ORG_TRAIL, TRAIL_BUCKET, f"{TRAIL_BUCKET}/*", TRAIL_KEY, TRAIL_TOPIC
BG = (BREAK_GLASS, f"{LOGS}:role/BreakGlassAdmin")
DEV_ONE = f"{DEV}:user/dev.one"
OPS = f"{PROD}:role/ops-automation"
TRAIL_OP = f"{MGMT}:role/TrailOperator"
CI_RUNNER = f"{SHARED}:role/ci-runner"
LAMBDA_ORG = f"{MGMT}:role/lambda-org-maintenance"
ANY_ROLE = "arn:aws:iam::*:role/*"
ARTIFACTS = "arn:aws:s3:::acme-artifacts-666677778888"
WORKLOADS = (SHARED_ID, PROD_ID, DEV_ID)  # OU Workloads: shared services, and Prod and Dev below

STOP = ("cloudtrail:StopLogging",)
DELETE_TRAIL = ("cloudtrail:DeleteTrail",)
TAMPER_TRAIL = (
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
)
READ_TRAIL = ("cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors")
WRITE_TRAIL = ("cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors")
TAMPER_BUCKET = (
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteObject",
)
BUCKET_POLICY = ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy")
USE_KEY = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")
ENCRYPT = ("kms:Encrypt", "kms:GenerateDataKey")
ROLE_POLICY = (
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
)
ASSUME = ("sts:AssumeRole",)
PASS = ("iam:PassRole",)
LAMBDA = {"iam:PassedToService": "lambda.amazonaws.com"}


@dataclass(frozen=True)
class Case:
    question: str
    command: str
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    principal: str | None = None
    mfa: str | None = None
    accounts: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    outside: bool = False
    to: str | None = None
    admins: bool = False
    where: dict | None = None


def who(q, actions, resources, **kw):
    return Case(q, "who-can", actions, resources, **kw)


def can(q, principal, actions, resources, **kw):
    return Case(q, "can", actions, resources, principal=principal, **kw)


def path(q, principal, to=None, actions=(), resources=(), **kw):
    return Case(q, "paths", actions, resources, principal=principal, to=to, **kw)


def privesc(q, **kw):
    return Case(q, "privesc", **kw)


CASES = [
    # -- the phrasings, verbatim -----------------------------------------------------
    who("who can assume BreakGlassAdmin", ASSUME, BG),
    path("can dev.one become admin", DEV_ONE, "admin"),
    who("which principals without MFA can stop logging", STOP, (T,), mfa="no-mfa"),
    who("who can decrypt with the trail key", ("kms:Decrypt",), (K,)),
    who(
        "can anyone outside the organization read the log bucket",
        ("s3:GetObject",),
        (OBJ,),
        outside=True,
    ),
    who(
        "who can delete the trail without MFA in account 111122223333",
        DELETE_TRAIL,
        (T,),
        mfa="no-mfa",
        accounts=(MGMT_ID,),
    ),
    can("can ci-runner pass a role to lambda", CI_RUNNER, PASS, (ANY_ROLE,), where=LAMBDA),
    who("Who can write to the trail bucket?", ("s3:PutObject",), (OBJ,)),
    can("can ci-deployer stop logging on the trail", CI_DEPLOYER, STOP, (T,)),
    can("can role ops-automation assume role TrailOperator", OPS, ASSUME, (TRAIL_OP,)),
    who("who can publish to the trail topic", ("sns:Publish",), (TP,)),
    # -- verbs on the trail -------------------------------------------------------------------
    who("who can delete the trail", DELETE_TRAIL, (T,)),
    who("who can remove the trail", DELETE_TRAIL, (T,)),
    who("who can destroy the trail", DELETE_TRAIL, (T,)),
    who("who can stop logging on the trail", STOP, (T,)),
    who("who can stop logging", STOP, (T,)),
    who("who can stop logging for the trail", STOP, (T,)),
    who("who can stop the trail", STOP, (T,)),
    who("who can turn off logging", STOP, (T,)),
    who("who can turn off logging on the trail", STOP, (T,)),
    who("who can disable logging", STOP, (T,)),
    who("who can disable the trail", STOP, (T,)),
    who("who can turn off the trail", STOP, (T,)),
    who("who can tamper with the trail", TAMPER_TRAIL, (T,)),
    who("who can tamper the trail", TAMPER_TRAIL, (T,)),
    who("who can read the trail", READ_TRAIL, (T,)),
    who("who can write the trail", WRITE_TRAIL, (T,)),
    who("who can write to the trail", WRITE_TRAIL, (T,)),
    who("who can access the trail", (*READ_TRAIL, *WRITE_TRAIL), (T,)),
    who("who can delete trail dev-local-trail", DELETE_TRAIL, (DEV_TRAIL,)),
    who("who can delete dev-local-trail", DELETE_TRAIL, (DEV_TRAIL,)),
    who("who can stop logging on dev-local-trail", STOP, (DEV_TRAIL,)),
    who(f"who can delete trail {DEV_TRAIL}", DELETE_TRAIL, (DEV_TRAIL,)),
    who(f"who can delete {ORG_TRAIL}", DELETE_TRAIL, (T,)),
    who("who can delete any trail", DELETE_TRAIL, ("arn:aws:cloudtrail:*:*:trail/*",)),
    who("who can delete trails", DELETE_TRAIL, (T,)),
    who("who can tamper with the trails?", TAMPER_TRAIL, (T,)),
    # -- verbs on the bucket ------------------------------------------------------------------
    who("who can read the trail bucket", ("s3:GetObject",), (OBJ,)),
    who("who can read from the log bucket", ("s3:GetObject",), (OBJ,)),
    who("who can read the logs bucket", ("s3:GetObject",), (OBJ,)),
    who("who can read the cloudtrail bucket", ("s3:GetObject",), (OBJ,)),
    who("who can write the trail bucket", ("s3:PutObject",), (OBJ,)),
    who("who can write into the log bucket", ("s3:PutObject",), (OBJ,)),
    who("who can delete the trail bucket", ("s3:DeleteBucket", "s3:DeleteObject"), (B, OBJ)),
    who("who can tamper with the trail bucket", TAMPER_BUCKET, (B, OBJ)),
    who("who can tamper with the log bucket", TAMPER_BUCKET, (B, OBJ)),
    who("who can put objects in the log bucket", ("s3:PutObject",), (OBJ,)),
    who("who can put to the trail bucket", ("s3:PutObject",), (OBJ,)),
    who("who can upload to the log bucket", ("s3:PutObject",), (OBJ,)),
    who("who can get objects from the log bucket", ("s3:GetObject",), (OBJ,)),
    who("who can get the log bucket", ("s3:GetObject",), (OBJ,)),
    who("who can download from the log bucket", ("s3:GetObject",), (OBJ,)),
    who("who can list the log bucket", ("s3:ListBucket",), (B,)),
    who("who can list objects in the trail bucket", ("s3:ListBucket",), (B,)),
    who("who can modify the policy of the log bucket", BUCKET_POLICY, (B,)),
    who("who can change the policy of the trail bucket", BUCKET_POLICY, (B,)),
    who("who can change the policy on the log bucket", BUCKET_POLICY, (B,)),
    who("who can edit the policy of the log bucket", BUCKET_POLICY, (B,)),
    who("who can rewrite the policy of the log bucket", BUCKET_POLICY, (B,)),
    who(
        "who has access to the log bucket",
        ("s3:ListBucket", "s3:GetObject", "s3:PutObject"),
        (B, OBJ),
    ),
    who(f"who can read bucket {TRAIL_BUCKET_NAME}", ("s3:GetObject",), (OBJ,)),
    who(f"who can read {TRAIL_BUCKET_NAME}", ("s3:GetObject",), (OBJ,)),
    who("who can read bucket acme-artifacts-666677778888", ("s3:GetObject",), (f"{ARTIFACTS}/*",)),
    who(f"who can read {TRAIL_BUCKET}", ("s3:GetObject",), (OBJ,)),
    who(f"who can delete {TRAIL_BUCKET}/AWSLogs/*", ("s3:DeleteObject",), (f"{B}/AWSLogs/*",)),
    who("who can read any bucket", ("s3:GetObject",), ("arn:aws:s3:::*/*",)),
    who("who can list any bucket", ("s3:ListBucket",), ("arn:aws:s3:::*",)),
    # -- verbs on the key ---------------------------------------------------------------------
    who("who can decrypt the trail key", ("kms:Decrypt",), (K,)),
    who("who can decrypt using the trail key", ("kms:Decrypt",), (K,)),
    who("who can decrypt with the log key", ("kms:Decrypt",), (K,)),
    who("who can encrypt with the trail key", ENCRYPT, (K,)),
    who("who can encrypt using the cloudtrail key", ENCRYPT, (K,)),
    who("who can use the trail key", USE_KEY, (K,)),
    who("who can read the trail key", ("kms:Decrypt",), (K,)),
    who("who can write the trail key", ENCRYPT, (K,)),
    who("who can delete the trail key", ("kms:ScheduleKeyDeletion", "kms:DisableKey"), (K,)),
    who("who can disable the trail key", ("kms:DisableKey",), (K,)),
    who("who can turn off the trail key", ("kms:DisableKey",), (K,)),
    who(
        "who can tamper with the trail key",
        ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"),
        (K,),
    ),
    who("who can change the policy of the trail key", ("kms:PutKeyPolicy",), (K,)),
    who("who can modify the policy on the trail key", ("kms:PutKeyPolicy",), (K,)),
    who("who can use key 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", USE_KEY, (K,)),
    who(f"who can decrypt {TRAIL_KEY}", ("kms:Decrypt",), (K,)),
    who("who can use any key", USE_KEY, ("arn:aws:kms:*:*:key/*",)),
    # -- verbs on the topic -------------------------------------------------------------------
    who("who can publish the trail topic", ("sns:Publish",), (TP,)),
    who("who can publish to the logging topic", ("sns:Publish",), (TP,)),
    who("who can send messages to the trail topic", ("sns:Publish",), (TP,)),
    who("who can subscribe to the trail topic", ("sns:Subscribe",), (TP,)),
    who("who can subscribe the trail topic", ("sns:Subscribe",), (TP,)),
    who("who can read the trail topic", ("sns:Subscribe",), (TP,)),
    who("who can write the trail topic", ("sns:Publish",), (TP,)),
    who("who can delete the trail topic", ("sns:DeleteTopic",), (TP,)),
    who(
        "who can tamper with the trail topic", ("sns:DeleteTopic", "sns:SetTopicAttributes"), (TP,)
    ),
    who("who can change the policy of the trail topic", ("sns:SetTopicAttributes",), (TP,)),
    who("who can list the trail topic", ("sns:ListSubscriptionsByTopic",), (TP,)),
    who("who can publish to topic acme-org-trail-notifications", ("sns:Publish",), (TP,)),
    who("who can publish to acme-org-trail-notifications", ("sns:Publish",), (TP,)),
    who(f"who can publish to {TRAIL_TOPIC}", ("sns:Publish",), (TP,)),
    who("who can publish to any topic", ("sns:Publish",), ("arn:aws:sns:*:*:*",)),
    # -- roles: assume, pass, modify ----------------------------------------------------------
    who("who can assume TrailOperator", ASSUME, (TRAIL_OP,)),
    who("who can assume role TrailOperator", ASSUME, (TRAIL_OP,)),
    who("who can assume the role TrailOperator", ASSUME, (TRAIL_OP,)),
    who("who can assume trailoperator", ASSUME, (TRAIL_OP,)),
    who("who can assume role BreakGlassAdmin", ASSUME, BG),
    who(f"who can assume {BREAK_GLASS}", ASSUME, (BREAK_GLASS,)),
    who("who can assume any role", ASSUME, (ANY_ROLE,)),
    who("who can assume roles", ASSUME, (ANY_ROLE,)),
    who("who can assume dev-admin", ASSUME, (DEV_ADMIN,)),
    who("who can pass a role", PASS, (ANY_ROLE,)),
    who(
        "who can pass any role to ec2",
        PASS,
        (ANY_ROLE,),
        where={"iam:PassedToService": "ec2.amazonaws.com"},
    ),
    who("who can pass a role to lambda", PASS, (ANY_ROLE,), where=LAMBDA),
    who("who can pass role lambda-org-maintenance to lambda", PASS, (LAMBDA_ORG,), where=LAMBDA),
    who("who can pass lambda-org-maintenance to Lambda", PASS, (LAMBDA_ORG,), where=LAMBDA),
    who(
        "who can pass a role to ecs",
        PASS,
        (ANY_ROLE,),
        where={"iam:PassedToService": "ecs-tasks.amazonaws.com"},
    ),
    who(
        "who can pass a role to glue.amazonaws.com",
        PASS,
        (ANY_ROLE,),
        where={"iam:PassedToService": "glue.amazonaws.com"},
    ),
    who(
        "who can modify the trust policy of TrailOperator",
        ("iam:UpdateAssumeRolePolicy",),
        (TRAIL_OP,),
    ),
    who(
        "who can change the trust policy of role TrailOperator",
        ("iam:UpdateAssumeRolePolicy",),
        (TRAIL_OP,),
    ),
    who("who can modify the policy of role TrailOperator", ROLE_POLICY, (TRAIL_OP,)),
    who("who can delete role TrailOperator", ("iam:DeleteRole",), (TRAIL_OP,)),
    can("can ops-automation assume TrailOperator", OPS, ASSUME, (TRAIL_OP,)),
    can("can ci-deployer pass a role to lambda", CI_DEPLOYER, PASS, (ANY_ROLE,), where=LAMBDA),
    can(
        "can ci-deployer pass lambda-org-maintenance to lambda",
        CI_DEPLOYER,
        PASS,
        (LAMBDA_ORG,),
        where=LAMBDA,
    ),
    # -- action patterns ----------------------------------------------------------------------
    who("who can cloudtrail:StopLogging the trail", STOP, (T,)),
    who("who can CLOUDTRAIL:stoplogging the trail", ("CLOUDTRAIL:stoplogging",), (T,)),
    who("who can s3:Put* the trail bucket", ("s3:Put*",), (B, OBJ)),
    who("who can kms:* the trail key", ("kms:*",), (K,)),
    who(
        "who can ec2:Stop* arn:aws:ec2:*:*:instance/*",
        ("ec2:Stop*",),
        ("arn:aws:ec2:*:*:instance/*",),
    ),
    can("can dev.one iam:PassRole any role", DEV_ONE, PASS, (ANY_ROLE,)),
    # -- subjects -----------------------------------------------------------------------------
    can("can user ci-deployer delete the trail", CI_DEPLOYER, DELETE_TRAIL, (T,)),
    can("can ci-deployer delete the trail", CI_DEPLOYER, DELETE_TRAIL, (T,)),
    can("can CI-Deployer delete the trail?", CI_DEPLOYER, DELETE_TRAIL, (T,)),
    can(f"can {CI_DEPLOYER} delete the trail", CI_DEPLOYER, DELETE_TRAIL, (T,)),
    can("can role TrailOperator delete the trail", TRAIL_OP, DELETE_TRAIL, (T,)),
    can("can TrailOperator stop logging", TRAIL_OP, STOP, (T,)),
    can("can the role lambda-org-maintenance delete the trail", LAMBDA_ORG, DELETE_TRAIL, (T,)),
    can(f"can {BREAK_GLASS} tamper with the trail bucket", BREAK_GLASS, TAMPER_BUCKET, (B, OBJ)),
    can("can dev.one write the trail without MFA", DEV_ONE, WRITE_TRAIL, (T,), mfa="no-mfa"),
    can("can dev.one read the log bucket with MFA", DEV_ONE, ("s3:GetObject",), (OBJ,), mfa="mfa"),
    can("could dev.one delete the trail", DEV_ONE, DELETE_TRAIL, (T,)),
    who("can any principal delete the trail", DELETE_TRAIL, (T,)),
    who("can any principals delete the trail", DELETE_TRAIL, (T,)),
    who("can any non-MFA principal delete the trail", DELETE_TRAIL, (T,), mfa="no-mfa"),
    who("can any non MFA principal delete the trail", DELETE_TRAIL, (T,), mfa="no-mfa"),
    who("can any nonmfa principal delete the trail", DELETE_TRAIL, (T,), mfa="no-mfa"),
    who("can anyone delete the trail", DELETE_TRAIL, (T,)),
    who("can anybody delete the trail", DELETE_TRAIL, (T,)),
    who("can someone stop logging", STOP, (T,)),
    who("can everyone read the log bucket", ("s3:GetObject",), (OBJ,)),
    who("can any user delete the trail", DELETE_TRAIL, (T,), kinds=("user",)),
    who("can any role stop logging", STOP, (T,), kinds=("role",)),
    who("which users can delete the trail", DELETE_TRAIL, (T,), kinds=("user",)),
    who("which roles can tamper with the trail", TAMPER_TRAIL, (T,), kinds=("role",)),
    who("what principals can read the trail key", ("kms:Decrypt",), (K,)),
    who("which identities can stop logging", STOP, (T,)),
    who("which non-MFA principals can stop logging", STOP, (T,), mfa="no-mfa"),
    who("which principals with MFA can delete the trail", DELETE_TRAIL, (T,), mfa="mfa"),
    who("can anyone outside the organization delete the trail", DELETE_TRAIL, (T,), outside=True),
    who(
        "can anyone outside the org publish to the trail topic",
        ("sns:Publish",),
        (TP,),
        outside=True,
    ),
    who(
        "can anyone outside our organisation decrypt the trail key",
        ("kms:Decrypt",),
        (K,),
        outside=True,
    ),
    who(
        "can anyone from outside the organization assume BreakGlassAdmin", ASSUME, BG, outside=True
    ),
    who("can any external principal read the log bucket", ("s3:GetObject",), (OBJ,), outside=True),
    who(
        "which external principals can read the log bucket", ("s3:GetObject",), (OBJ,), outside=True
    ),
    who(
        "who outside the organization can read the log bucket",
        ("s3:GetObject",),
        (OBJ,),
        outside=True,
    ),
    who(
        "who can read the log bucket from outside the organization",
        ("s3:GetObject",),
        (OBJ,),
        outside=True,
    ),
    # -- clauses ------------------------------------------------------------------------------
    who("who can delete the trail without MFA", DELETE_TRAIL, (T,), mfa="no-mfa"),
    who("who can delete the trail with no MFA", DELETE_TRAIL, (T,), mfa="no-mfa"),
    who("who can delete the trail with MFA", DELETE_TRAIL, (T,), mfa="mfa"),
    who(
        "who can delete the trail in account 444455556666", DELETE_TRAIL, (T,), accounts=(PROD_ID,)
    ),
    who("who can delete the trail in account acme-prod", DELETE_TRAIL, (T,), accounts=(PROD_ID,)),
    who("who can delete the trail in account ACME-PROD", DELETE_TRAIL, (T,), accounts=(PROD_ID,)),
    who("who can delete the trail from account acme-prod", DELETE_TRAIL, (T,), accounts=(PROD_ID,)),
    who("who can delete the trail in OU Prod", DELETE_TRAIL, (T,), accounts=(PROD_ID,)),
    who("who can delete the trail in ou prod", DELETE_TRAIL, (T,), accounts=(PROD_ID,)),
    who(
        "who can delete the trail in OU Security",
        DELETE_TRAIL,
        (T,),
        accounts=(LOGS_ID, SECURITY_ID),
    ),
    who(
        "who can delete the trail in OU Workloads",
        DELETE_TRAIL,
        (T,),
        accounts=tuple(sorted(WORKLOADS)),
    ),
    who(
        "who can delete the trail under OU Workloads",
        DELETE_TRAIL,
        (T,),
        accounts=tuple(sorted(WORKLOADS)),
    ),
    who(
        "who can delete the trail in organizational unit Dev",
        DELETE_TRAIL,
        (T,),
        accounts=(DEV_ID,),
    ),
    who("who can delete the trail in OU ou-a1b2-dev00001", DELETE_TRAIL, (T,), accounts=(DEV_ID,)),
    who(
        "who can delete the trail without MFA in OU Prod",
        DELETE_TRAIL,
        (T,),
        mfa="no-mfa",
        accounts=(PROD_ID,),
    ),
    who(
        "who can delete the trail in OU Prod without MFA",
        DELETE_TRAIL,
        (T,),
        mfa="no-mfa",
        accounts=(PROD_ID,),
    ),
    who(
        "which users in account acme-prod can delete the trail",
        DELETE_TRAIL,
        (T,),
        kinds=("user",),
        accounts=(PROD_ID,),
    ),
    who("who in account acme-dev can stop logging", STOP, (T,), accounts=(DEV_ID,)),
    who("can any principal in account 555566667777 stop logging", STOP, (T,), accounts=(DEV_ID,)),
    who(
        "can anyone in OU Dev stop logging without MFA",
        STOP,
        (T,),
        accounts=(DEV_ID,),
        mfa="no-mfa",
    ),
    who(
        "can any non-MFA principal in OU Workloads delete the trail",
        DELETE_TRAIL,
        (T,),
        mfa="no-mfa",
        accounts=tuple(sorted(WORKLOADS)),
    ),
    who(
        "who can delete the trail in OU Workloads in account acme-dev",
        DELETE_TRAIL,
        (T,),
        accounts=(DEV_ID,),
    ),
    # -- admin questions ----------------------------------------------------------------------
    privesc("who is admin", admins=True),
    privesc("Who is an admin?", admins=True),
    privesc("who are the admins", admins=True),
    privesc("who are administrators", admins=True),
    privesc("who is admin in account acme-dev", admins=True, accounts=(DEV_ID,)),
    privesc("who are the admins in OU Prod", admins=True, accounts=(PROD_ID,)),
    privesc("which users are admins", admins=True, kinds=("user",)),
    privesc("which roles are admin", admins=True, kinds=("role",)),
    privesc("list admins", admins=True),
    privesc("show the admins", admins=True),
    privesc("is dev-admin an admin", principal=DEV_ADMIN, admins=True),
    privesc("is role dev-admin admin?", principal=DEV_ADMIN, admins=True),
    privesc("is dev.one an administrator", principal=DEV_ONE, admins=True),
    privesc("who can become admin"),
    privesc("who can become an admin?"),
    privesc("who can become administrator"),
    privesc("who can escalate to admin"),
    privesc("who can reach admin"),
    privesc("who can get to admin"),
    privesc("who can become admin without MFA", mfa="no-mfa"),
    privesc("who can become admin in account acme-dev", accounts=(DEV_ID,)),
    privesc("which users can become admin", kinds=("user",)),
    privesc("which principals without MFA can become admin", mfa="no-mfa"),
    privesc("can any principal become admin"),
    privesc("can anyone become admin without MFA", mfa="no-mfa"),
    privesc("can any user in OU Dev become admin", kinds=("user",), accounts=(DEV_ID,)),
    path("can dev.one become an admin", DEV_ONE, "admin"),
    path("can dev.one become admin without MFA", DEV_ONE, "admin", mfa="no-mfa"),
    path("can user dev.one become administrator?", DEV_ONE, "admin"),
    path("can ci-deployer escalate to admin", CI_DEPLOYER, "admin"),
    path("can ci-deployer reach admin", CI_DEPLOYER, "admin"),
    # -- path questions -----------------------------------------------------------------------
    path("how can dev.one reach admin", DEV_ONE, "admin"),
    path("how can dev.one become admin", DEV_ONE, "admin"),
    path("how does dev.one become admin", DEV_ONE, "admin"),
    path("how can dev.one reach dev-admin", DEV_ONE, DEV_ADMIN),
    path("how can dev.one assume dev-admin", DEV_ONE, DEV_ADMIN),
    path("how can ops-automation assume TrailOperator", OPS, TRAIL_OP),
    path("how can ops-automation assume role TrailOperator", OPS, TRAIL_OP),
    path("how can role ops-automation reach role TrailOperator", OPS, TRAIL_OP),
    path("how can ci-deployer get to lambda-org-maintenance", CI_DEPLOYER, LAMBDA_ORG),
    path("can ci-deployer reach lambda-org-maintenance", CI_DEPLOYER, LAMBDA_ORG),
    path("can ci-deployer become lambda-org-maintenance", CI_DEPLOYER, LAMBDA_ORG),
    path("how can dev.one reach admin without MFA", DEV_ONE, "admin", mfa="no-mfa"),
    path("show the path from dev.one to admin", DEV_ONE, "admin"),
    path("show me the path from dev.one to admin", DEV_ONE, "admin"),
    path("show paths from ci-deployer to lambda-org-maintenance", CI_DEPLOYER, LAMBDA_ORG),
    path("find a path from dev.one to dev-admin", DEV_ONE, DEV_ADMIN),
    path("is there a path from dev.one to admin?", DEV_ONE, "admin"),
    path("what is the path from dev.one to admin", DEV_ONE, "admin"),
    path("path from dev.one to admin", DEV_ONE, "admin"),
    path("how can ci-deployer delete the trail", CI_DEPLOYER, None, DELETE_TRAIL, (T,)),
    path("how can ci-deployer stop logging", CI_DEPLOYER, None, STOP, (T,)),
    path(
        "how can dev.one read the log bucket without MFA",
        DEV_ONE,
        None,
        ("s3:GetObject",),
        (OBJ,),
        mfa="no-mfa",
    ),
    path(
        "how can ci-deployer pass a role to lambda",
        CI_DEPLOYER,
        None,
        PASS,
        (ANY_ROLE,),
        where=LAMBDA,
    ),
    # -- noise that never matters -------------------------------------------------------------
    who("WHO CAN DELETE THE TRAIL?", DELETE_TRAIL, (T,)),
    who("who can delete the trail??", DELETE_TRAIL, (T,)),
    who("  who   can  delete   the trail  ", DELETE_TRAIL, (T,)),
    who("who can, delete the trail.", DELETE_TRAIL, (T,)),
    who("who can delete a trail", DELETE_TRAIL, (T,)),
    who("who can delete an trail", DELETE_TRAIL, (T,)),
    who("who can delete trail", DELETE_TRAIL, (T,)),
    who('who can delete "the trail"', DELETE_TRAIL, (T,)),
    who("Who Can Publish To The Trail Topic", ("sns:Publish",), (TP,)),
    who("who can read the trail buckets", ("s3:GetObject",), (OBJ,)),
    who("who can read the trail keys", ("kms:Decrypt",), (K,)),
    who("who can stop logging on the trail?", STOP, (T,)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.question for c in CASES])
def test_phrasing_maps_to_its_command(demo, case):
    q = parse(case.question, demo)
    got = (
        q.command,
        {a for c in q.checks for a in c.actions},
        {r for c in q.checks for r in c.resources},
        q.principal,
        q.mfa,
        q.to,
        q.admins,
    )
    want = (
        case.command,
        set(case.actions),
        set(case.resources),
        case.principal,
        case.mfa,
        case.to,
        case.admins,
    )
    assert got == want
    assert (q.filter.accounts, q.filter.kinds, q.filter.outside) == (
        case.accounts,
        case.kinds,
        case.outside,
    )
    assert {k: v.values[0] for k, v in q.where} == (case.where or {})


def test_at_least_150_phrasings():
    assert len({c.question for c in CASES}) >= 150


def test_checks_split_bucket_and_object_actions(demo):
    """On a bucket, object actions go to ARN/* and the rest to the bucket (one check each)."""
    q = parse("who has access to the log bucket", demo)
    assert [(c.actions, c.resources) for c in q.checks] == [
        (("s3:ListBucket",), (B,)),
        (("s3:GetObject", "s3:PutObject"), (OBJ,)),
    ]
