"""Policy elements, STS trust, groups and quotas through `decide` (SEMANTICS P1-P8, T1-T3, G1-G2,
Q1-Q2), each rule with at least one allowed and one denied case, plus the peer mistakes 3 and 9."""

from __future__ import annotations

import pytest

from iamgraph.evaluate.gather import Mfa, credential_context, policies_for, request_context
from iamgraph.evaluate.layers import Level, PolicySet, decide
from iamgraph.evaluate.request import Caller, Request
from iamgraph.model.arn import ArnError
from tests.conftest import DEMO
from tests.demo import DEV_ADMIN, MGMT, PLATFORM_DEPLOY, PROD_ID, SECURITY_TOOLING, TRAIL_BUCKET
from tests.evaluate.builders import (
    ACCOUNT,
    BUCKET,
    OBJECT,
    OTHER,
    ROLE,
    SESSION,
    USER,
    allow,
    anonymous,
    caller,
    ctx,
    deny,
    federated,
    grant,
    levels,
    outcome,
    policy,
    request,
    run,
)

ALLOWED, EXPLICIT, IMPLICIT, UNKNOWN = "allowed", "explicitDeny", "implicitDeny", "unknown"
OTHER_USER = f"arn:aws:iam::{OTHER}:user/bob"
TRUSTING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/target"


def bucket_policy(*statements: dict):
    return policy(*statements, kind="resource", name="bucket")


def trust(*statements: dict):
    return policy(*statements, kind="trust", name="trust")


# --- P1: action names are case-insensitive ------------------------------------------------------


def test_p1_lowercase_policy_action_matches_request():
    # P1: `IAM:listaccesskeys` in the policy = `iam:ListAccessKeys` in the request
    d = run(request("iam:ListAccessKeys", USER), identity=[policy(allow("IAM:listaccesskeys"))])
    assert outcome(d) == ALLOWED


def test_p1_request_action_case_is_ignored_too():
    # P1: the request's spelling does not matter either
    d = run(request("IAM:LISTACCESSKEYS", USER), identity=[policy(allow("iam:ListAccessKeys"))])
    assert outcome(d) == ALLOWED


def test_p1_case_insensitive_deny_still_denies():
    # P1 with E2: a Deny written in another case still matches
    d = run(
        request("iam:ListAccessKeys", USER),
        identity=[policy(allow("*"), deny("IAM:LISTACCESSKEYS"))],
    )
    assert outcome(d) == EXPLICIT


def test_p1_different_action_name_is_not_matched():
    # P1: case folding does not make `ListAccessKey` match `ListAccessKeys`
    d = run(request("iam:ListAccessKeys", USER), identity=[policy(allow("IAM:listaccesskey"))])
    assert outcome(d) == IMPLICIT


# --- P2: `*` and `?` anywhere in the action name ------------------------------------------------


@pytest.mark.parametrize(
    "action", ["iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"]
)
def test_p2_star_in_the_middle_of_the_action(action):
    # P2: `iam:*AccessKey*` covers every action whose name contains AccessKey
    d = run(request(action, USER), identity=[policy(allow("iam:*AccessKey*"))])
    assert outcome(d) == ALLOWED


@pytest.mark.parametrize(
    "action", ["iam:ListUsers", "s3:CreateAccessKey", "iam:CreateLoginProfile"]
)
def test_p2_star_in_the_middle_does_not_match_other_actions(action):
    # P2: the wildcard stays inside the action name of the iam prefix
    d = run(request(action, USER), identity=[policy(allow("iam:*AccessKey*"))])
    assert outcome(d) == IMPLICIT


def test_p2_question_mark_is_one_character():
    # P2: `s3:Get?bject` matches s3:GetObject
    d = run(request("s3:GetObject"), identity=[policy(allow("s3:Get?bject"))])
    assert outcome(d) == ALLOWED


@pytest.mark.parametrize("action", ["s3:GetObjectAcl", "s3:Getbject", "s3:GetObbject"])
def test_p2_question_mark_is_exactly_one_character(action):
    # P2: `?` is one character, no more, no less, and the rest must match in full
    d = run(request(action), identity=[policy(allow("s3:Get?bject"))])
    assert outcome(d) == IMPLICIT


def test_p2_wildcard_in_a_deny():
    # P2 with E2: `iam:*AccessKey*` in a Deny denies CreateAccessKey over an Allow *
    d = run(
        request("iam:CreateAccessKey", USER),
        identity=[policy(allow("*"), deny("iam:*AccessKey*"))],
    )
    assert outcome(d) == EXPLICIT


# --- P3: resource wildcards; matching is case-sensitive (mistake 9) -----------------------------


def test_p3_star_spans_slashes_in_the_resource_part():
    # P3: `*` expands across `/` inside the resource segment
    d = run(
        request("s3:GetObject", "arn:aws:s3:::acme-data/reports/2024/q1.csv"),
        identity=[policy(allow("s3:GetObject", "arn:aws:s3:::acme-data/*"))],
    )
    assert outcome(d) == ALLOWED


def test_p3_several_wildcards_within_one_segment():
    # P3: several `*`/`?` in one segment
    d = run(
        request("s3:GetObject", "arn:aws:s3:::acme-data/reports/q1.csv"),
        identity=[policy(allow("s3:GetObject", "arn:aws:s3:::acme-*/rep?rts/q?.*"))],
    )
    assert outcome(d) == ALLOWED


def test_p3_wildcards_in_region_and_account_segments():
    # P3: `*` within the region and account segments
    d = run(
        request("cloudtrail:StopLogging", f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/main"),
        identity=[policy(allow("cloudtrail:StopLogging", "arn:aws:cloudtrail:*:*:trail/*"))],
    )
    assert outcome(d) == ALLOWED


def test_p3_question_mark_is_one_character_in_a_resource():
    # P3: `?` stands for one character only
    d = run(
        request("s3:GetObject", "arn:aws:s3:::acme-data/reports/q10.csv"),
        identity=[policy(allow("s3:GetObject", "arn:aws:s3:::acme-data/reports/q?.csv"))],
    )
    assert outcome(d) == IMPLICIT


def test_p3_other_resource_is_not_matched():
    # P3: a pattern for one bucket does not match another bucket's objects
    d = run(
        request("s3:GetObject", "arn:aws:s3:::acme-logs/reports/q1.csv"),
        identity=[policy(allow("s3:GetObject", "arn:aws:s3:::acme-data/*"))],
    )
    assert outcome(d) == IMPLICIT


def test_p3_resource_matching_is_case_sensitive():
    # P3 + mistake 9: resource patterns are not lower-cased for matching
    d = run(
        request("s3:GetObject", "arn:aws:s3:::acme-data/reports/q1.csv"),
        identity=[policy(allow("s3:GetObject", "arn:aws:s3:::ACME-Data/*"))],
    )
    assert outcome(d) == IMPLICIT


def test_p3_case_sensitive_deny_does_not_match_other_case():
    # P3 + mistake 9: a Deny on `Reports/*` does not cut access to `reports/...`
    d = run(
        request("s3:GetObject", "arn:aws:s3:::acme-data/reports/q1.csv"),
        identity=[
            policy(
                allow("s3:GetObject", "arn:aws:s3:::acme-data/*"),
                deny("s3:GetObject", "arn:aws:s3:::acme-data/Reports/*"),
            )
        ],
    )
    assert outcome(d) == ALLOWED


def test_p3_star_ending_a_segment_spans_colons_in_a_short_pattern():
    # P3: "If the * wildcard is the last character of a resource ARN segment, it can expand to
    # match beyond the colon boundaries"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)
    d = run(
        request("iam:GetUser", USER),
        identity=[policy(allow("iam:GetUser", "arn:aws:iam::*"))],
    )
    assert outcome(d) == ALLOWED
    d = run(
        request("ec2:StopInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"),
        identity=[policy(allow("ec2:StopInstances", "arn:aws:ec2:*"))],
    )
    assert outcome(d) == ALLOWED


def test_p3_star_inside_a_segment_stays_there_in_a_short_pattern():
    # P3: a `*` that is not the last character of its segment does not cross `:`
    d = run(
        request("ec2:StopInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"),
        identity=[policy(allow("ec2:StopInstances", "arn:aws:ec2:us-*1"))],
    )
    assert outcome(d) == IMPLICIT


# --- P4: NotAction + Allow ----------------------------------------------------------------------


def test_p4_not_action_allow_with_star_resource_is_very_broad():
    # P4: every action not listed is allowed on any resource
    pol = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    for action, resource in (
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:111122223333:instance/*"),
        ("s3:DeleteBucket", BUCKET),
        ("organizations:LeaveOrganization", "*"),
    ):
        d = run(request(action, resource), identity=[pol])
        assert outcome(d) == ALLOWED, action


def test_p4_not_action_allow_does_not_allow_the_listed_action():
    # P4: the listed actions are not allowed by this statement
    pol = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert outcome(run(request("iam:CreateUser", USER), identity=[pol])) == IMPLICIT


def test_p4_multi_entry_not_action_is_not_any():
    # P4 + mistake 3: NotAction [iam:*, s3:*] excludes s3 too (NOT(any), not OR of NOTs)
    pol = policy({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"})
    assert outcome(run(request("s3:GetObject"), identity=[pol])) == IMPLICIT
    assert outcome(run(request("iam:GetUser", USER), identity=[pol])) == IMPLICIT
    assert outcome(run(request("sqs:SendMessage", "*"), identity=[pol])) == ALLOWED


def test_p4_not_action_allow_is_scoped_by_resource():
    # P4: NotAction is still scoped by its Resource element
    pol = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::acme-data/*"})
    assert outcome(run(request("s3:GetObject", OBJECT), identity=[pol])) == ALLOWED
    other = "arn:aws:s3:::acme-logs/x"
    assert outcome(run(request("s3:GetObject", other), identity=[pol])) == IMPLICIT


# --- P5: NotAction + Deny -----------------------------------------------------------------------


def test_p5_not_action_deny_denies_an_unlisted_action():
    # P5: a Deny with NotAction [x, y] denies z
    pols = [
        policy(
            allow("*"),
            {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
        )
    ]
    assert outcome(run(request("s3:DeleteObject"), identity=pols)) == EXPLICIT


def test_p5_not_action_deny_does_not_deny_any_listed_action():
    # P5 + mistake 3: neither x nor y is denied (NOT(any) of the list)
    pols = [
        policy(
            allow("*"),
            {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
        )
    ]
    assert outcome(run(request("s3:GetObject"), identity=pols)) == ALLOWED
    assert outcome(run(request("s3:PutObject"), identity=pols)) == ALLOWED


def test_p5_listed_actions_still_need_an_allow():
    # P5: escaping the Deny is not an Allow
    pols = [
        policy(
            {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            allow("s3:ListBucket", BUCKET),
        )
    ]
    assert outcome(run(request("s3:GetObject"), identity=pols)) == IMPLICIT


# --- P6: NotResource ----------------------------------------------------------------------------

A = "arn:aws:s3:::bucket-a/x"
B = "arn:aws:s3:::bucket-b/x"
C = "arn:aws:s3:::bucket-c/x"


def _not_resource(effect: str, action="s3:GetObject") -> dict:
    return {
        "Effect": effect,
        "Action": action,
        "NotResource": ["arn:aws:s3:::bucket-a/*", "arn:aws:s3:::bucket-b/*"],
    }


def test_p6_allow_not_resource_allows_an_unlisted_resource():
    # P6: Allow + NotResource [a, b] allows c
    d = run(request("s3:GetObject", C), identity=[policy(_not_resource("Allow"))])
    assert outcome(d) == ALLOWED


@pytest.mark.parametrize("resource", [A, B])
def test_p6_allow_not_resource_allows_none_of_the_listed(resource):
    # P6 + mistake 3: the list is one exclusion set; neither a nor b is allowed
    d = run(request("s3:GetObject", resource), identity=[policy(_not_resource("Allow"))])
    assert outcome(d) == IMPLICIT


def test_p6_deny_not_resource_denies_everything_else():
    # P6: Deny + NotResource [a, b] denies c, and leaves a and b to the Allow
    pols = [policy(allow("s3:GetObject"), _not_resource("Deny"))]
    assert outcome(run(request("s3:GetObject", C), identity=pols)) == EXPLICIT
    assert outcome(run(request("s3:GetObject", A), identity=pols)) == ALLOWED
    assert outcome(run(request("s3:GetObject", B), identity=pols)) == ALLOWED


def test_p6_allow_star_with_not_resource_is_very_broad():
    # P6: Allow + Action * + NotResource allows any action on anything not listed
    pol = policy(_not_resource("Allow", action="*"))
    assert outcome(run(request("iam:CreateUser", USER), identity=[pol])) == ALLOWED
    assert outcome(run(request("s3:DeleteObject", A), identity=[pol])) == IMPLICIT


# --- P7: NotPrincipal with Deny in a resource policy --------------------------------------------


def _deny_all_but(*names: str):
    return bucket_policy(
        {"Effect": "Deny", "NotPrincipal": {"AWS": list(names)}, "Action": "s3:*", "Resource": "*"},
        grant("*", "s3:GetObject", resource=OBJECT),
    )


def test_p7_user_and_account_listed_are_excluded_from_the_deny():
    # P7: a caller named by its user ARN and its account escapes the Deny
    d = run(request("s3:GetObject"), resource_policy=_deny_all_but(USER, ACCOUNT))
    assert outcome(d) == ALLOWED


def test_p7_root_arn_form_of_the_account_works_too():
    # P7 + E18: the account may be listed as its root ARN
    d = run(
        request("s3:GetObject"),
        resource_policy=_deny_all_but(USER, f"arn:aws:iam::{ACCOUNT}:root"),
    )
    assert outcome(d) == ALLOWED


def test_p7_listing_only_the_user_arn_still_denies():
    # P7: without the account in the list, the account (and so the user) may be denied; the
    # evaluator takes the conservative reading and denies
    d = run(request("s3:GetObject"), resource_policy=_deny_all_but(USER))
    assert outcome(d) == EXPLICIT


def test_p7_someone_not_listed_is_denied():
    # P7: everybody else is denied
    d = run(
        request("s3:GetObject"),
        who=caller(f"arn:aws:iam::{ACCOUNT}:user/mallory"),
        resource_policy=_deny_all_but(USER, ACCOUNT),
    )
    assert outcome(d) == EXPLICIT


def test_p7_session_needs_session_role_and_account_listed():
    # P7: for a role session, list the session ARN, the role ARN and the account
    who = caller(SESSION)
    full = _deny_all_but(SESSION, ROLE, ACCOUNT)
    assert outcome(run(request("s3:GetObject"), who=who, resource_policy=full)) == ALLOWED
    partial = _deny_all_but(SESSION, ACCOUNT)
    assert outcome(run(request("s3:GetObject"), who=who, resource_policy=partial)) == EXPLICIT


def test_p7_not_principal_is_rejected_outside_resource_policies():
    # P7: NotPrincipal is not allowed in identity or trust policies
    from iamgraph.errors import InputError

    st = {"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "*", "Resource": "*"}
    for kind in ("identity", "trust"):
        with pytest.raises(InputError):
            policy(st, kind=kind)


# --- P8: Principal ------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}])
@pytest.mark.parametrize(
    "who", [caller(USER), caller(OTHER_USER), caller(SESSION), anonymous()], ids=str
)
def test_p8_star_principal_matches_anyone(principal, who):
    # P8: "*" and {"AWS": "*"} name everyone, including anonymous and other accounts' callers
    st = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": OBJECT}
    d = run(
        request("s3:GetObject"),
        who=who,
        identity=[policy(allow("s3:GetObject"))] if who.is_iam else [],
        resource_policy=bucket_policy(st),
    )
    assert outcome(d) == ALLOWED


def test_p8_star_deny_denies_anyone():
    # P8 + E2: a Deny to "*" applies to every caller, including anonymous
    pol = bucket_policy(grant("*", "s3:GetObject", resource=OBJECT), grant("*", effect="Deny"))
    for who in (caller(USER), anonymous()):
        assert outcome(run(request("s3:GetObject"), who=who, resource_policy=pol)) == EXPLICIT


def test_p8_anonymous_is_not_named_by_an_account_or_user():
    # P8: only "*" names an anonymous caller
    pol = bucket_policy(grant([ACCOUNT, USER], "s3:GetObject", resource=OBJECT))
    d = run(request("s3:GetObject"), who=anonymous(), resource_policy=pol)
    assert outcome(d) == IMPLICIT


@pytest.mark.parametrize("name", [OTHER, f"arn:aws:iam::{OTHER}:root"])
def test_p8_account_id_equals_its_root_arn(name):
    # P8 + E18: "AWS": "<id>" ≡ arn:aws:iam::<id>:root; delegates to the account's IAM policies
    d = run(
        request("s3:GetObject"),
        who=caller(OTHER_USER),
        identity=[policy(allow("s3:GetObject"))],
        resource_policy=bucket_policy(grant(name, "s3:GetObject", resource=OBJECT)),
    )
    assert outcome(d) == ALLOWED


@pytest.mark.parametrize("name", [OTHER, f"arn:aws:iam::{OTHER}:root"])
def test_p8_account_principal_still_needs_the_identity_allow(name):
    # P8 + E18: naming the account does not grant without that account's identity allow
    d = run(
        request("s3:GetObject"),
        who=caller(OTHER_USER),
        resource_policy=bucket_policy(grant(name, "s3:GetObject", resource=OBJECT)),
    )
    assert outcome(d) == IMPLICIT


def test_p8_no_partial_wildcards_in_principal_arns():
    # P8: `user/*` in a principal ARN is not a pattern
    d = run(
        request("s3:GetObject"),
        who=caller(OTHER_USER),
        identity=[policy(allow("s3:GetObject"))],
        resource_policy=bucket_policy(
            grant(f"arn:aws:iam::{OTHER}:user/*", "s3:GetObject", resource=OBJECT)
        ),
    )
    assert outcome(d) == IMPLICIT


def test_p8_another_account_is_not_named():
    # P8: naming one account does not name another
    d = run(
        request("s3:GetObject"),
        who=caller(OTHER_USER),
        identity=[policy(allow("s3:GetObject"))],
        resource_policy=bucket_policy(grant("999988887777", "s3:GetObject", resource=OBJECT)),
    )
    assert outcome(d) == IMPLICIT


# --- T1: sts:AssumeRole -------------------------------------------------------------------------


def assume(who: Caller, trust_policy, identity=(), resource_account=ACCOUNT):
    return run(
        request("sts:AssumeRole", TRUSTING_ROLE),
        who=who,
        identity=identity,
        resource_policy=trust_policy,
        resource_policy_required=True,
        resource_account=resource_account,
    )


def test_t1_same_account_trust_naming_the_user_needs_no_identity_policy():
    # T1 + E13: the trust names the user ARN, which stands on its own in the same account
    d = assume(caller(USER), trust(grant(USER, "sts:AssumeRole")))
    assert outcome(d) == ALLOWED


def test_t1_same_account_trust_naming_the_root_needs_the_identity_allow():
    # T1 + E18: the trust names the account; the identity policy must allow
    t = trust(grant(f"arn:aws:iam::{ACCOUNT}:root", "sts:AssumeRole"))
    assert outcome(assume(caller(USER), t)) == IMPLICIT
    ident = [policy(allow("sts:AssumeRole", TRUSTING_ROLE))]
    assert outcome(assume(caller(USER), t, ident)) == ALLOWED


def test_t1_identity_allow_alone_is_not_enough():
    # T1 + E19: the trust policy must name the caller
    ident = [policy(allow("sts:AssumeRole", TRUSTING_ROLE))]
    t = trust(grant(f"arn:aws:iam::{ACCOUNT}:user/someone-else", "sts:AssumeRole"))
    assert outcome(assume(caller(USER), t, ident)) == IMPLICIT


def test_t1_cross_account_needs_both_sides():
    # T1 + E17: identity allow on the role ARN AND a trust naming the caller or its account
    ident = [policy(allow("sts:AssumeRole", TRUSTING_ROLE))]
    for name in (OTHER_USER, OTHER, f"arn:aws:iam::{OTHER}:root"):
        t = trust(grant(name, "sts:AssumeRole"))
        assert outcome(assume(caller(OTHER_USER), t, ident)) == ALLOWED, name


def test_t1_cross_account_trust_naming_the_user_still_needs_the_identity_allow():
    # T1 + E17 (mistake 4): the trust side alone is not enough across accounts
    t = trust(grant(OTHER_USER, "sts:AssumeRole"))
    assert outcome(assume(caller(OTHER_USER), t)) == IMPLICIT


def test_t1_cross_account_identity_allow_must_cover_the_role_arn():
    # T1: an identity allow on another role does not count
    t = trust(grant(OTHER, "sts:AssumeRole"))
    ident = [policy(allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/other"))]
    assert outcome(assume(caller(OTHER_USER), t, ident)) == IMPLICIT


def test_t1_cross_account_trust_not_naming_the_caller():
    # T1 + E17: the identity allow alone is not enough when the trust names another account
    t = trust(grant("999988887777", "sts:AssumeRole"))
    ident = [policy(allow("sts:AssumeRole", TRUSTING_ROLE))]
    assert outcome(assume(caller(OTHER_USER), t, ident)) == IMPLICIT


# --- T2: AssumeRoleWithWebIdentity --------------------------------------------------------------

GOOGLE = "accounts.google.com"
OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def web_trust(provider: str, key: str, value: str):
    return trust(
        {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {key: value}},
        }
    )


def web_request(**context: str) -> Request:
    return Request.build("sts:AssumeRoleWithWebIdentity", TRUSTING_ROLE, ctx(context))


def test_t2_google_caller_with_matching_aud_is_allowed():
    # T2: {"Federated": "accounts.google.com"} with accounts.google.com:aud; no identity policy
    t = web_trust(GOOGLE, "accounts.google.com:aud", "my-app.apps.googleusercontent.com")
    d = decide(
        PolicySet(federated(GOOGLE), ACCOUNT, resource_policy=t, resource_policy_required=True),
        web_request(**{"accounts.google.com:aud": "my-app.apps.googleusercontent.com"}),
    )
    assert outcome(d) == ALLOWED


@pytest.mark.parametrize("aud", [None, "someone-else.apps.googleusercontent.com"])
def test_t2_wrong_or_missing_aud_is_denied(aud):
    # T2 + C1: the provider-key condition gates the trust
    t = web_trust(GOOGLE, "accounts.google.com:aud", "my-app.apps.googleusercontent.com")
    req = web_request(**({"accounts.google.com:aud": aud} if aud else {}))
    d = decide(
        PolicySet(federated(GOOGLE), ACCOUNT, resource_policy=t, resource_policy_required=True),
        req,
    )
    assert outcome(d) == IMPLICIT


def test_t2_oidc_provider_arn():
    # T2: an OIDC provider ARN as the Federated principal, gated by its :sub key
    key = "token.actions.githubusercontent.com:sub"
    t = web_trust(OIDC, key, "repo:acme/app:ref:refs/heads/main")
    ps = PolicySet(federated(OIDC), ACCOUNT, resource_policy=t, resource_policy_required=True)
    ok = decide(ps, web_request(**{key: "repo:acme/app:ref:refs/heads/main"}))
    assert outcome(ok) == ALLOWED
    bad = decide(ps, web_request(**{key: "repo:evil/app:ref:refs/heads/main"}))
    assert outcome(bad) == IMPLICIT


def test_t2_other_provider_is_not_named():
    # T2: a caller from another IdP does not match the Federated principal
    t = web_trust(GOOGLE, "accounts.google.com:aud", "my-app")
    ps = PolicySet(
        federated("graph.facebook.com"), ACCOUNT, resource_policy=t, resource_policy_required=True
    )
    assert outcome(decide(ps, web_request(**{"accounts.google.com:aud": "my-app"}))) == IMPLICIT


def test_t2_iam_principal_does_not_match_federated():
    # T2: the Federated principal names the IdP, not an IAM user of the account
    t = web_trust(GOOGLE, "accounts.google.com:aud", "my-app")
    d = run(
        web_request(**{"accounts.google.com:aud": "my-app"}),
        identity=[policy(allow("*"))],
        resource_policy=t,
        resource_policy_required=True,
    )
    assert outcome(d) == IMPLICIT


# --- T3: AssumeRoleWithSAML ---------------------------------------------------------------------

SAML = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
SAML_AUD = "https://signin.aws.amazon.com/saml"


def saml_set() -> PolicySet:
    t = trust(
        {
            "Effect": "Allow",
            "Principal": {"Federated": SAML},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": SAML_AUD}},
        }
    )
    return PolicySet(federated(SAML), ACCOUNT, resource_policy=t, resource_policy_required=True)


def saml_request(aud: str | None) -> Request:
    return Request.build(
        "sts:AssumeRoleWithSAML", TRUSTING_ROLE, ctx({"SAML:aud": aud} if aud else {})
    )


def test_t3_saml_provider_with_matching_aud_is_allowed():
    # T3: {"Federated": saml-provider ARN} with SAML:aud
    assert outcome(decide(saml_set(), saml_request(SAML_AUD))) == ALLOWED


@pytest.mark.parametrize("aud", [None, "https://evil.example/saml"])
def test_t3_wrong_or_missing_saml_aud_is_denied(aud):
    # T3 + C1: the SAML:aud condition gates the trust
    assert outcome(decide(saml_set(), saml_request(aud))) == IMPLICIT


def test_t3_other_saml_provider_is_not_named():
    # T3: another provider of the same account is not the named principal
    ps = saml_set()
    other = PolicySet(
        federated(f"arn:aws:iam::{ACCOUNT}:saml-provider/Other"),
        ACCOUNT,
        resource_policy=ps.resource_policy,
        resource_policy_required=True,
    )
    assert outcome(decide(other, saml_request(SAML_AUD))) == IMPLICIT


# --- G1: group policies are identity policies ---------------------------------------------------


def test_g1_group_allow_counts_for_the_member():
    # G1: the identity list is the union of the user's and its groups' policies
    user_policies = [policy(allow("s3:ListBucket", BUCKET), name="user-inline")]
    group_policies = [policy(allow("s3:GetObject", OBJECT), name="group-Readers")]
    d = run(request("s3:GetObject"), identity=user_policies + group_policies)
    assert outcome(d) == ALLOWED
    assert outcome(run(request("s3:GetObject"), identity=user_policies)) == IMPLICIT


def test_g1_group_deny_applies_to_the_member():
    # G1 + E2: a Deny in a group policy overrides the user's own Allow
    user_policies = [policy(allow("*"), name="user-inline")]
    group_policies = [policy(deny("s3:GetObject"), name="group-NoReads")]
    assert (
        outcome(run(request("s3:GetObject"), identity=user_policies + group_policies)) == EXPLICIT
    )


def test_g1_several_groups_are_all_unioned():
    # G1: a user in several groups gets every group's policies
    groups = [policy(allow("s3:GetObject"), name="g1"), policy(allow("sqs:SendMessage"), name="g2")]
    assert outcome(run(request("s3:GetObject"), identity=groups)) == ALLOWED
    assert outcome(run(request("sqs:SendMessage", "*"), identity=groups)) == ALLOWED
    assert outcome(run(request("sns:Publish", "*"), identity=groups)) == IMPLICIT


MARIA = f"{MGMT}:user/maria.garcia"
NEW_USER = f"{MGMT}:user/new-user"


def _demo_decide(snap, principal, action, resource, mfa=None):
    ps = policies_for(snap, principal, action, resource)
    req = Request.build(
        action,
        resource,
        credential_context(snap, principal, resource, mfa) + request_context(resource),
    )
    return decide(ps, req)


def test_g1_snapshot_resolves_group_policies_allowed(demo):
    # G1: maria.garcia gets group Admins' AdministratorAccess (with MFA, RequireMFA lets it pass)
    d = _demo_decide(demo, MARIA, "iam:CreateUser", NEW_USER, Mfa.MFA)
    assert outcome(d) == ALLOWED
    assert [r.policy for r in d.deciding] == ["arn:aws:iam::aws:policy/AdministratorAccess"]


def test_g1_snapshot_resolves_group_policies_denied(demo):
    # G1: Admins' RequireMFA Deny is maria.garcia's own identity Deny
    d = _demo_decide(demo, MARIA, "iam:CreateUser", NEW_USER, Mfa.NO_MFA)
    assert outcome(d) == EXPLICIT
    assert d.deciding[0].policy.endswith("group/Admins:RequireMFA")


def test_g1_non_member_does_not_get_the_group_policies(demo):
    # G1: ci-deployer is in no group, so Admins' AdministratorAccess is not its policy
    d = _demo_decide(demo, "arn:aws:iam::111122223333:user/ci-deployer", "iam:CreateUser", NEW_USER)
    assert outcome(d) == IMPLICIT


# --- G2: groups are not principals --------------------------------------------------------------

GROUP = f"arn:aws:iam::{ACCOUNT}:group/Readers"


def test_g2_resource_policy_naming_a_group_grants_nothing():
    # G2: a group ARN in Principal names no caller, even a member of the group
    pol = bucket_policy(grant(GROUP, "s3:GetObject", resource=OBJECT))
    assert outcome(run(request("s3:GetObject"), resource_policy=pol)) == IMPLICIT


def test_g2_cross_account_group_principal_grants_nothing():
    # G2: the same across accounts, even with the caller's identity allow
    group = f"arn:aws:iam::{OTHER}:group/Readers"
    d = run(
        request("s3:GetObject"),
        who=caller(OTHER_USER),
        identity=[policy(allow("s3:GetObject"))],
        resource_policy=bucket_policy(grant(group, "s3:GetObject", resource=OBJECT)),
    )
    assert outcome(d) == IMPLICIT


def test_g2_the_user_arn_instead_of_the_group_grants():
    # G2 (allowed counterpart): naming the member's user ARN works
    pol = bucket_policy(grant(USER, "s3:GetObject", resource=OBJECT))
    assert outcome(run(request("s3:GetObject"), resource_policy=pol)) == ALLOWED


def test_g2_a_group_cannot_be_a_caller(demo):
    # G2: a group never signs a request, and the snapshot has no group principals
    with pytest.raises(ArnError):
        Caller.from_arn(GROUP)
    assert "arn:aws:iam::111122223333:group/Admins" in demo.groups
    assert not any(":group/" in arn for arn in demo.principals)


# --- Q1: quotas ---------------------------------------------------------------------------------


def test_q1_credential_reports_show_at_most_two_keys_per_user(demo):
    # Q1: at most 2 access keys per IAM user (and 2 for the root user)
    reports = [a.credential_report for a in demo.accounts.values() if a.credential_report]
    assert len(reports) == 6
    for report in reports:
        for row in report.rows:
            assert len(row.access_keys) <= 2, row.user
            assert sum(k.active for k in row.access_keys) <= 2, row.user


def test_q1_legacy_batch_uses_both_of_its_two_keys(demo):
    # Q1 (the quota reached): legacy-batch has both keys active, and no third column exists
    report = demo.accounts["444455556666"].credential_report
    row = next(r for r in report.rows if r.user == "legacy-batch")
    assert [k.active for k in row.access_keys] == [True, True]
    csv = DEMO / "accounts" / "111122223333" / "iam" / "credential-report.csv"
    header = csv.read_text().splitlines()[0].split(",")
    assert "access_key_2_active" in header and "access_key_3_active" not in header


# --- Q2: SCPs never bind external principals; RCPs bind every caller ---------------------------

EXTERNAL = "arn:aws:iam::999988887777:user/outsider"  # not in the organization


def test_q2_external_caller_is_not_bound_by_the_resource_accounts_scps():
    # Q2: the resource account's SCP denying s3:* does not apply to an outside caller; only its
    # RCPs (here RCPFullAWSAccess) are passed
    rcp_full = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, kind="rcp"
    )
    d = run(
        request("s3:GetObject"),
        who=caller(EXTERNAL),
        identity=[policy(allow("s3:GetObject"))],
        resource_policy=bucket_policy(grant(EXTERNAL, "s3:GetObject", resource=OBJECT)),
        rcp_levels=levels((rcp_full,)),
    )
    assert outcome(d) == ALLOWED


def test_q2_external_caller_is_bound_by_the_resource_accounts_rcps():
    # Q2 + E9: an RCP Deny on the resource account binds the external caller
    rcp_full = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, kind="rcp"
    )
    rcp_deny = policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        },
        kind="rcp",
    )
    d = run(
        request("s3:GetObject"),
        who=caller(EXTERNAL),
        identity=[policy(allow("s3:GetObject"))],
        resource_policy=bucket_policy(grant(EXTERNAL, "s3:GetObject", resource=OBJECT)),
        rcp_levels=levels((rcp_full,), (rcp_full, rcp_deny)),
    )
    assert outcome(d) == EXPLICIT
    assert d.deciding[0].layer.value == "rcp"


PROD_TOPIC = f"arn:aws:sns:us-west-2:{PROD_ID}:alerts"


def test_q2_gather_uses_the_callers_scp_path_not_the_resource_accounts(demo):
    # Q2: a dev caller on a prod resource gets dev's SCP path, never prod's prod-region-lock
    ps = policies_for(demo, DEV_ADMIN, "sns:Publish", PROD_TOPIC)
    nodes = [lvl.node for lvl in ps.scp_levels]
    assert nodes == ["r-a1b2", "ou-a1b2-wkl00001", "ou-a1b2-dev00001", "555566667777"]
    d = _demo_decide(demo, DEV_ADMIN, "sns:Publish", PROD_TOPIC)
    assert outcome(d) == IMPLICIT  # no topic policy grants it: not the prod SCP's Deny
    assert not any("p-prodreg1" in r.policy for r in d.reasons)


def test_q2_the_same_request_by_a_prod_principal_is_denied_by_prods_scp(demo):
    # Q2 (counterpart): prod-region-lock binds prod's own principals
    d = _demo_decide(demo, PLATFORM_DEPLOY, "sns:Publish", PROD_TOPIC)
    assert outcome(d) == EXPLICIT
    assert [(r.sid, r.at) for r in d.deciding] == [
        ("DenyOutsideApprovedRegions", "ou-a1b2-prd00001")
    ]


LOG_BUCKET_OBJECT = f"{TRAIL_BUCKET}/org/x"


def test_q2_rcps_apply_to_supported_services(demo):
    # Q2 + E9: s3 is RCP-supported, so the resource account's RCP levels apply
    ps = policies_for(demo, SECURITY_TOOLING, "s3:GetObject", LOG_BUCKET_OBJECT)
    assert [lvl.node for lvl in ps.rcp_levels] == ["r-a1b2", "ou-a1b2-sec00001", "222233334444"]


def test_q2_rcps_do_not_apply_to_unsupported_services(demo):
    # Q2 + E9: cloudtrail is not RCP-supported, so no RCP level applies
    trail = "arn:aws:cloudtrail:us-east-1:222233334444:trail/local"
    ps = policies_for(demo, SECURITY_TOOLING, "cloudtrail:GetTrail", trail)
    assert ps.rcp_levels == ()
    assert ps.scp_levels  # the caller's SCPs still apply


def test_q2_rcps_do_not_apply_to_the_management_accounts_resources(demo):
    # Q2 + E6: RCPs restrict resources in member accounts only
    topic = "arn:aws:sns:us-east-1:111122223333:acme-org-trail-notifications"
    ps = policies_for(demo, SECURITY_TOOLING, "sns:Publish", topic)
    assert ps.rcp_levels == ()


def test_q2_rcps_apply_to_sts_assume_role_on_a_member_role(demo):
    # Q2 + E9: sts is RCP-supported; enforce-org-identities targets sts:AssumeRole on the roles
    reader = "arn:aws:iam::222233334444:role/LogArchiveReader"
    ps = policies_for(demo, SECURITY_TOOLING, "sts:AssumeRole", reader)
    assert [lvl.node for lvl in ps.rcp_levels] == ["r-a1b2", "ou-a1b2-sec00001", "222233334444"]


def test_q2_levels_are_only_those_passed():
    # Q2: PolicySet takes the levels the caller of decide() chose; an SCP Deny passed binds
    scp_deny = policy(deny("s3:*"), kind="scp")
    d = run(
        request("s3:GetObject"),
        identity=[policy(allow("s3:GetObject"))],
        scp_levels=(Level("r-1", "root", (policy(allow("*"), kind="scp"), scp_deny)),),
    )
    assert outcome(d) == EXPLICIT
