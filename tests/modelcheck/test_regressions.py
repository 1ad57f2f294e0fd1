"""Named cases: every class of disagreement the model checker found between iamgraph's
`privesc` and concrete API calls (each a regression test now that the engine agrees; REASONS
says what the engine answered before issue 14's fixes), and positive controls. The checker's
own answer on each case is pinned too, so a case cannot pass because the oracle drifted.
"""

from __future__ import annotations

import pytest

from tests.modelcheck import cases
from tests.modelcheck.account import ADMIN_ACCESS, Account, arn
from tests.modelcheck.compare import compare
from tests.modelcheck.search import BOUND, own_credentials, search

REASONS = {
    "join-group-then-attach": "issue 14 #1: a group that is not admin is not followed, so its "
    "iam:AttachUserPolicy is never used (engine: proven-unreachable; 2 moves)",
    "attach-pinned-to-read-only": "issue 14 #1: an iam:PolicyARN condition pinning the attach "
    "to a read-only policy is taken as free (engine: reachable; does not replay)",
    "role-acts-back-on-user": "issue 14 #1: a role session attaching a policy to the user that "
    "assumed it is not modelled (engine: proven-unreachable; 2 moves)",
    "write-onto-a-held-user": "writes onto a principal whose credentials the attacker holds "
    "are not modelled, only writes onto the actor itself (engine: proven-unreachable)",
    "own-keys-escape-an-mfa-deny": "CreateAccessKey on the principal itself (keys carry no MFA "
    "key, M1) is not a step, so a Bool MFA=false Deny seems to hold (engine: proven-unreachable)",
    "key-the-action-never-carries": "a condition on iam:PolicyARN, which CreatePolicyVersion "
    "never carries, is satisfied by a chosen value (engine: reachable; does not replay)",
    "deny-survives-the-attach": "an admin write is taken as admin although an explicit Deny of "
    "the principal stays (E2) (engine: reachable; does not replay)",
    "boundary-survives-the-write": "an admin write to a role is taken as admin although the "
    "role's permissions boundary cuts it (E10) (engine: reachable; does not replay)",
    "version-the-boundary-policy": "CreatePolicyVersion on the policy used as the principal's "
    "permissions boundary is not a step (engine: proven-unreachable; 1 move)",
    "overwrite-the-group-deny": "PutGroupPolicy added a policy but kept the group's inline Deny "
    "it overwrites (engine: proven-unreachable; 2 moves)",
    "boundary-version-grants-nothing": "a boundary policy rewritten to allow everything was also "
    "added to the role's identity (engine: reachable; does not replay)",
    "trust-rewritten-for-an-outside-account": "the checker's UpdateAssumeRolePolicy named the "
    "actor only, whose own Deny of sts:AssumeRole then blocked the path (checker: no path; "
    "engine: reachable, right)",
    "trust-rewritten-then-assumed-with-mfa": "a rewritten trust gave the writer's own mode (no "
    "MFA), not the MFA session the attacker starts from its own account (engine: "
    "proven-unreachable; 1 move)",
}

# what the checker itself says: (principal, shortest path as APIs, or None: no admin in BOUND)
CHECKER = {
    "join-group-then-attach": (
        arn("user", "helpdesk-bot"),
        ("iam:AddUserToGroup", "iam:AttachUserPolicy"),
    ),
    "attach-pinned-to-read-only": (arn("user", "jenkins-ci"), None),
    "role-acts-back-on-user": (
        arn("user", "dev-alice"),
        ("sts:AssumeRole", "iam:AttachUserPolicy"),
    ),
    "write-onto-a-held-user": (
        arn("role", "ops-automation"),
        ("iam:CreateAccessKey", "iam:AttachUserPolicy"),
    ),
    "own-keys-escape-an-mfa-deny": (
        arn("user", "console-only"),
        ("iam:CreateAccessKey", "iam:AttachUserPolicy"),
    ),
    "key-the-action-never-carries": (arn("user", "build-bot"), None),
    "deny-survives-the-attach": (arn("user", "ci-deployer"), None),
    "boundary-survives-the-write": (arn("user", "dana.ops"), None),
    "version-the-boundary-policy": (arn("user", "platform-eng"), ("iam:CreatePolicyVersion",)),
    "overwrite-the-group-deny": (
        arn("user", "ci-deployer"),
        ("iam:AttachUserPolicy", "iam:PutGroupPolicy"),
    ),
    "boundary-version-grants-nothing": (arn("user", "ci-deployer"), None),
    "trust-rewritten-for-an-outside-account": (
        arn("user", "ci-deployer"),
        ("iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"),
    ),
    "trust-rewritten-then-assumed-with-mfa": (
        arn("user", "release-bot"),
        ("iam:UpdateAssumeRolePolicy",),
    ),
    # controls
    "attach-admin-to-itself": (arn("user", "ci-deployer"), ("iam:AttachUserPolicy",)),
    "third-key-over-quota": (arn("user", "key-rotator"), None),
    "mfa-required-keys-only": (arn("user", "ci-runner"), None),
    "assume-admin-role-with-mfa": (arn("user", "oncall-sam"), ("sts:AssumeRole",)),
}

# the engine's verdicts on the controls today (they must stay so)
CONTROL_VERDICTS = {
    "attach-admin-to-itself": {arn("user", "ci-deployer"): "reachable"},
    "third-key-over-quota": {
        arn("user", "platform-admin"): "reachable",
        arn("user", "key-rotator"): "proven-unreachable",
    },
    "mfa-required-keys-only": {arn("user", "ci-runner"): "proven-unreachable"},
    "assume-admin-role-with-mfa": {
        arn("user", "oncall-sam"): "reachable",
        arn("role", "break-glass"): "reachable",
    },
}

BUILDERS = {**cases.DISAGREEMENTS, **cases.CONTROLS}


def test_every_case_is_named_and_pinned():
    assert sorted(REASONS) == sorted(cases.DISAGREEMENTS)
    assert sorted(CONTROL_VERDICTS) == sorted(cases.CONTROLS)
    assert sorted(CHECKER) == sorted(BUILDERS)


@pytest.mark.parametrize("name", sorted(CHECKER))
def test_checker_answer(name):
    """The oracle's own verdict on each case (independent of the engine)."""
    principal, apis = CHECKER[name]
    account: Account = BUILDERS[name]()
    result = search(account, own_credentials(account, principal))
    assert result.complete
    if apis is None:
        assert not result.reachable, str(result)
        assert BOUND == 4
    else:
        assert result.reachable, str(result)
        assert tuple(m.api for m in result.moves) == apis, str(result)


@pytest.mark.parametrize("name", sorted(cases.DISAGREEMENTS))
def test_disagreement_case(name, tmp_path):
    result = compare(cases.DISAGREEMENTS[name](), tmp_path)
    assert result.compared
    assert not result.disagreements, "\n".join(map(str, result.disagreements))


@pytest.mark.parametrize("name", sorted(cases.CONTROLS))
def test_control_case(name, tmp_path):
    result = compare(cases.CONTROLS[name](), tmp_path)
    assert not result.disagreements, "\n".join(map(str, result.disagreements))
    assert result.verdicts == CONTROL_VERDICTS[name]
    assert result.compared == len(CONTROL_VERDICTS[name])


def test_pinned_attach_is_blocked_concretely():
    """The checker honours iam:PolicyARN: jenkins-ci may attach the read-only policy (one move,
    no admin) and nothing else; AdministratorAccess is refused by the evaluator."""
    from tests.modelcheck.moves import Move, apply
    from tests.modelcheck.search import Mode

    account = cases.attach_pinned_to_read_only()
    me = (arn("user", "jenkins-ci"), Mode.KEYS)
    held = frozenset({me})
    assert apply(account, held, Move("iam:AttachUserPolicy", me, me[0], ADMIN_ACCESS)) is None
    after = apply(account, held, Move("iam:AttachUserPolicy", me, me[0], cases.READ_ONLY.arn))
    assert after is not None
    assert cases.READ_ONLY.arn in after[0].user(me[0]).attached
