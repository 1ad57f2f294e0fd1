"""Hypothesis strategies for small accounts: 2-3 users and maybe a role, 0-2 groups, 2-5
customer managed policies (sometimes with a second, non-default version), statements drawn from
the escalation methods' actions plus harmless ones and a few wildcards, on `*` or on ARNs of the
generated entities, sometimes conditioned on MFA (Bool / BoolIfExists), a principal tag or the
policy ARN an attach names; an occasional Deny, boundary or AdministratorAccess attachment.

The vocabulary is closed: `search.probes` has a representative for every action region these
patterns carve, so the checker's admin test is exact on these accounts.
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.modelcheck.account import (
    ACCOUNT,
    ADMIN_ACCESS,
    Account,
    Group,
    ManagedPolicy,
    Role,
    User,
    arn,
    doc,
)
from tests.modelcheck.cases import ADMIN, policy_doc, trust
from tests.modelcheck.moves import EFFECTS
from tests.modelcheck.search import HARMLESS

USER_NAMES = ("ci-deployer", "dana.ops", "helpdesk-bot")
GROUP_NAMES = ("sre", "developers")
ROLE_NAME = "ops-automation"
POLICY_NAMES = ("iam-helpers", "deploy-tools", "support-readonly", "data-access", "ops-extras")
PATTERNS = ("iam:Attach*", "s3:*", "ec2:Describe*")
ACTIONS = (*EFFECTS, *HARMLESS, *PATTERNS)
TAG_VALUES = ("platform", "data")


@st.composite
def condition(draw, policy_arns: list[str]) -> dict | None:
    kind = draw(st.sampled_from(("none", "none", "none", "mfa", "tag", "policy-arn")))
    if kind == "mfa":
        op = draw(st.sampled_from(("Bool", "BoolIfExists")))
        value = draw(st.sampled_from(("true", "false")))
        return {op: {"aws:MultiFactorAuthPresent": value}}
    if kind == "tag":
        return {"StringEquals": {"aws:PrincipalTag/team": draw(st.sampled_from(TAG_VALUES))}}
    if kind == "policy-arn":
        return {"ArnEquals": {"iam:PolicyARN": draw(st.sampled_from(policy_arns))}}
    return None


@st.composite
def statement(draw, resources: list[str], policy_arns: list[str]) -> dict:
    effect = draw(st.sampled_from(("Allow",) * 6 + ("Deny",)))
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True))
    resource = draw(st.sampled_from(["*", "*", *resources]))
    out = {
        "Effect": effect,
        "Action": actions[0] if len(actions) == 1 else actions,
        "Resource": resource,
    }
    cond = draw(condition(policy_arns))
    if cond:
        out["Condition"] = cond
    return out


def document(resources: list[str], policy_arns: list[str]):
    return st.lists(statement(resources, policy_arns), min_size=1, max_size=2).map(
        lambda sts: policy_doc(*sts)
    )


def subset(options) -> st.SearchStrategy[frozenset]:
    return st.lists(st.sampled_from(tuple(options)), max_size=2, unique=True).map(frozenset)


@st.composite
def credentials(draw) -> dict:
    """Each user has some credential: keys (one or two, Q1), a password, an MFA device."""
    keys = draw(st.sampled_from(((), (True,), (True,), (True, True), (True, False))))
    password = draw(st.booleans()) if keys else True
    mfa = draw(st.sampled_from((False, False, True)))
    return {"keys": keys, "password": password, "mfa_device": mfa}


@st.composite
def accounts(draw) -> Account:
    users = draw(st.sampled_from((USER_NAMES[:2], USER_NAMES)))
    groups = draw(st.sampled_from(((), GROUP_NAMES[:1], GROUP_NAMES)))
    with_role = draw(st.booleans())
    names = draw(st.integers(2, len(POLICY_NAMES)).map(lambda n: POLICY_NAMES[:n]))
    policy_arns = [arn("policy", n) for n in names]
    resources = [
        *(arn("user", u) for u in users),
        *(arn("group", g) for g in groups),
        *([arn("role", ROLE_NAME)] if with_role else []),
        *policy_arns,
        arn("user", "*"),
    ]
    policies = []
    for name in names:
        default = draw(document(resources, policy_arns))
        versions = [("v1", default)]
        if draw(st.integers(0, 3)) == 0:
            versions.append(("v2", draw(document(resources, policy_arns))))
        policies.append(ManagedPolicy(arn("policy", name), tuple(versions), "v1"))
    attachable = [*policy_arns] + [ADMIN_ACCESS] * draw(st.sampled_from((0, 0, 0, 1)))

    def inline():
        return st.sampled_from((True, False, False)).flatmap(
            lambda yes: (
                document(resources, policy_arns).map(lambda d: (("inline", d),))
                if yes
                else st.just(())
            )
        )

    def boundary():
        return st.sampled_from((None,) * 6 + (*policy_arns, ADMIN_ACCESS))

    built_users = tuple(
        User(
            name,
            tags=draw(st.sampled_from(((), *((("team", v),) for v in TAG_VALUES)))),
            groups=draw(subset(groups)) if groups else frozenset(),
            attached=draw(subset(attachable)),
            inline=draw(inline()),
            boundary=draw(boundary()),
            **draw(credentials()),
        )
        for name in users
    )
    roles = ()
    if with_role:
        who = draw(
            st.sampled_from([arn("user", u) for u in users] + [f"arn:aws:iam::{ACCOUNT}:root"])
        )
        mfa = draw(st.sampled_from((None, None, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
        roles = (
            Role(
                ROLE_NAME,
                trust(who, mfa),
                tags=(("team", "platform"),),
                attached=draw(subset(attachable)),
                inline=draw(inline()),
                boundary=draw(boundary()),
            ),
        )
    built_groups = tuple(
        Group(g, attached=draw(subset(attachable)), inline=draw(inline())) for g in groups
    )
    return Account(built_users, built_groups, roles, (*policies, ADMIN))


__all__ = ["accounts", "doc"]
