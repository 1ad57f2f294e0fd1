"""Named accounts: each disagreement class the checker found, and positive controls.

Builders rather than files so a case reads as one screen of Python; `aws_files.write_snapshot`
turns any of them into the AWS CLI output iamgraph loads.
"""

from __future__ import annotations

from tests.modelcheck.account import (
    ACCOUNT,
    ADMIN_ACCESS,
    ALLOW_ALL,
    Account,
    Group,
    ManagedPolicy,
    Role,
    User,
    arn,
    doc,
)

ADMIN = ManagedPolicy(ADMIN_ACCESS, (("v1", doc(ALLOW_ALL)),), "v1")


def statement(effect: str, actions, resources="*", condition: dict | None = None) -> dict:
    st = {"Effect": effect, "Action": actions, "Resource": resources}
    if condition:
        st["Condition"] = condition
    return st


def policy_doc(*statements: dict) -> str:
    return doc({"Version": "2012-10-17", "Statement": list(statements)})


def managed(name: str, *statements: dict, other_versions: tuple[str, ...] = ()) -> ManagedPolicy:
    """A customer managed policy whose default (v1) holds `statements`; `other_versions`
    become v2, v3, ... (not default)."""
    versions = [("v1", policy_doc(*statements))]
    versions += [(f"v{i + 2}", d) for i, d in enumerate(other_versions)]
    return ManagedPolicy(arn("policy", name), tuple(versions), "v1")


def trust(principal: str, condition: dict | None = None) -> str:
    st = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return doc({"Version": "2012-10-17", "Statement": [st]})


READ_ONLY = managed(
    "support-readonly", statement("Allow", ["s3:GetObject", "ec2:DescribeInstances"])
)
KEYS = (True,)  # one active access key


def join_group_then_attach() -> Account:
    """False proof 1 (issue 14): AddUserToGroup into a group that is not admin but may attach
    policies to users; then AttachUserPolicy AdministratorAccess on itself: two moves."""
    sre = managed("sre-iam", statement("Allow", "iam:AttachUserPolicy"))
    helpdesk = User(
        "helpdesk-bot",
        inline=(("helpdesk", policy_doc(statement("Allow", "iam:AddUserToGroup"))),),
        keys=KEYS,
    )
    return Account(
        users=(helpdesk, User("dana.ops", groups=frozenset({"sre"}), keys=KEYS)),
        groups=(Group("sre", attached=frozenset({sre.arn})),),
        policies=(sre, READ_ONLY, ADMIN),
    )


def attach_pinned_to_read_only() -> Account:
    """False proof 2 (issue 14): AttachUserPolicy on itself, but an iam:PolicyARN condition
    pins what may be attached to a read-only policy: no admin."""
    pinned = statement(
        "Allow",
        "iam:AttachUserPolicy",
        arn("user", "jenkins-ci"),
        {"ArnEquals": {"iam:PolicyARN": READ_ONLY.arn}},
    )
    return Account(
        users=(User("jenkins-ci", inline=(("self-service", policy_doc(pinned)),), keys=KEYS),),
        policies=(READ_ONLY, ADMIN),
    )


def role_acts_back_on_user() -> Account:
    """False proof 3 (issue 14): the user assumes a role that may attach policies to the user;
    the session attaches AdministratorAccess to the user that assumed it."""
    ops = Role(
        "ops-automation",
        trust(arn("user", "dev-alice")),
        inline=(
            (
                "user-admin",
                policy_doc(statement("Allow", "iam:AttachUserPolicy", arn("user", "dev-alice"))),
            ),
        ),
    )
    return Account(
        users=(User("dev-alice", keys=KEYS),),
        roles=(ops,),
        policies=(READ_ONLY, ADMIN),
    )


def write_onto_a_held_user() -> Account:
    """Writes onto a principal whose credentials the attacker holds (found by the checker): the
    role may create access keys for `ci-deployer` and attach policies to it; it takes the
    keys and attaches AdministratorAccess to that user (2 moves; 3 from dana.ops, who assumes
    the role). The engine only writes onto the acting principal itself."""
    victim = arn("user", "ci-deployer")
    ops = Role(
        "ops-automation",
        trust(arn("user", "dana.ops")),
        inline=(
            (
                "user-admin",
                policy_doc(
                    statement("Allow", ["iam:CreateAccessKey", "iam:AttachUserPolicy"], victim)
                ),
            ),
        ),
    )
    return Account(
        users=(User("dana.ops", keys=KEYS), User("ci-deployer", password=True)),
        roles=(ops,),
        policies=(READ_ONLY, ADMIN),
    )


def own_keys_escape_an_mfa_deny() -> Account:
    """A console user without MFA is denied AttachUserPolicy by `Bool aws:MultiFactorAuthPresent
    false`; it creates access keys for itself, which carry no MFA key at all (M1), so the Deny
    no longer matches and it attaches AdministratorAccess (found by the checker: the engine
    never takes CreateAccessKey on the principal itself)."""
    user = User(
        "console-only",
        inline=(
            (
                "self-service",
                policy_doc(
                    statement(
                        "Allow",
                        ["iam:CreateAccessKey", "iam:AttachUserPolicy"],
                        arn("user", "console-only"),
                    ),
                    statement(
                        "Deny",
                        "iam:AttachUserPolicy",
                        "*",
                        {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
                    ),
                ),
            ),
        ),
        password=True,
    )
    return Account(users=(user,), policies=(READ_ONLY, ADMIN))


def key_the_action_never_carries() -> Account:
    """CreatePolicyVersion on its own policy, allowed only when iam:PolicyARN names a read-only
    policy; CreatePolicyVersion requests never carry iam:PolicyARN (only attach and detach do,
    per the service authorization reference), so the condition never holds (C1) and nothing
    is allowed (found by the checker: the engine lets the solver choose the key)."""
    tools = managed(
        "deploy-tools",
        statement(
            "Allow",
            "iam:CreatePolicyVersion",
            arn("policy", "deploy-tools"),
            {"ArnEquals": {"iam:PolicyARN": READ_ONLY.arn}},
        ),
    )
    return Account(
        users=(User("build-bot", attached=frozenset({tools.arn}), keys=KEYS),),
        policies=(tools, READ_ONLY, ADMIN),
    )


def deny_survives_the_attach() -> Account:
    """AttachUserPolicy on itself, but an attached guardrail policy denies s3:* and every way
    to drop it (detach, new or other default version): AdministratorAccess added beside it
    leaves that Deny (E2), so the user never may make every request (found by the checker:
    the engine counts the attach as admin)."""
    guard = managed(
        "data-guard",
        statement(
            "Deny",
            [
                "s3:*",
                "iam:DetachUserPolicy",
                "iam:CreatePolicyVersion",
                "iam:SetDefaultPolicyVersion",
            ],
        ),
    )
    own = statement("Allow", "iam:AttachUserPolicy", arn("user", "ci-deployer"))
    user = User(
        "ci-deployer",
        inline=(("self", policy_doc(own)),),
        attached=frozenset({guard.arn}),
        keys=KEYS,
    )
    return Account(users=(user,), policies=(guard, READ_ONLY, ADMIN))


def boundary_survives_the_write() -> Account:
    """The user assumes a role and may PutRolePolicy on it, but the role's permissions
    boundary allows only s3 and PutRolePolicy: an admin inline policy is cut by it (E10)
    (found by the checker: the engine counts the write as admin)."""
    fence = managed("ops-fence", statement("Allow", ["s3:*", "iam:PutRolePolicy"]))
    ops = Role("ops-automation", trust(arn("user", "dana.ops")), boundary=fence.arn)
    user = User(
        "dana.ops",
        inline=(
            ("ops", policy_doc(statement("Allow", "iam:PutRolePolicy", arn("role", ops.name)))),
        ),
        keys=KEYS,
    )
    return Account(users=(user,), roles=(ops,), policies=(fence, READ_ONLY, ADMIN))


def version_the_boundary_policy() -> Account:
    """AdministratorAccess cut by a boundary that allows s3, EC2 reads and CreatePolicyVersion
    on the boundary policy itself: a new default version of the boundary allows everything
    (found by the checker: the engine versions only attached policies, never the boundary)."""
    fence = managed(
        "eng-boundary",
        statement("Allow", ["s3:*", "ec2:Describe*"]),
        statement("Allow", "iam:CreatePolicyVersion", arn("policy", "eng-boundary")),
    )
    user = User("platform-eng", attached=frozenset({ADMIN_ACCESS}), boundary=fence.arn, keys=KEYS)
    return Account(users=(user,), policies=(fence, READ_ONLY, ADMIN))


def overwrite_the_group_deny() -> Account:
    """Attaching AdministratorAccess to itself leaves its group's inline Deny of
    iam:CreateAccessKey (not admin yet); with admin permissions it writes the group's inline
    policy under the same name, which overwrites the Deny (found by the generator after the
    first fixes: the engine's PutGroupPolicy added a policy and kept the Deny)."""
    helpers = managed("iam-helpers", statement("Allow", "iam:AttachUserPolicy"))
    deny = policy_doc(statement("Deny", "iam:CreateAccessKey"))
    sre = Group("sre", inline=(("inline", deny),))
    user = User(
        "ci-deployer",
        groups=frozenset({sre.name}),
        attached=frozenset({helpers.arn}),
        password=True,
    )
    return Account(users=(user,), groups=(sre,), policies=(helpers, READ_ONLY, ADMIN))


def boundary_version_grants_nothing() -> Account:
    """A role's boundary policy rewritten to allow everything lifts the boundary but grants
    the role nothing (E10, E11): with no identity policy the role stays powerless (found by the
    generator: the engine added the new text to the role's identity policies as well)."""
    fence = managed(
        "iam-helpers",
        statement("Allow", "iam:CreateAccessKey"),
        statement("Allow", "iam:CreatePolicyVersion", arn("policy", "iam-helpers")),
    )
    ops = Role("ops-automation", trust(arn("user", "ci-deployer")), boundary=fence.arn)
    user = User(
        "ci-deployer",
        inline=(
            (
                "ops",
                policy_doc(
                    statement("Allow", "sts:AssumeRole", ops.arn),
                    statement("Allow", "iam:CreatePolicyVersion", fence.arn),
                ),
            ),
        ),
        keys=KEYS,
    )
    return Account(users=(user,), roles=(ops,), policies=(fence, READ_ONLY, ADMIN))


def trust_rewritten_for_an_outside_account() -> Account:
    """UpdateAssumeRolePolicy on a role, then AttachRolePolicy on it, by a user whose own policy
    denies sts:AssumeRole: the trust may name the attacker's own account outside the
    organization, and the role is assumed from there, where that Deny does not apply (the
    checker's move wrote a trust naming the actor only, so it said no; found by hypothesis)."""
    writes = statement("Allow", ["iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"])
    no_assume = managed("deploy-tools", statement("Deny", "sts:AssumeRole"))
    user = User(
        "ci-deployer",
        attached=frozenset({no_assume.arn}),
        inline=(("inline", policy_doc(writes)),),
        password=True,
    )
    role = Role("ops-automation", trust(user.arn))
    return Account(users=(user,), roles=(role,), policies=(no_assume, READ_ONLY, ADMIN))


def trust_rewritten_then_assumed_with_mfa() -> Account:
    """A role that is admin only with MFA; a user without an MFA device may rewrite its trust.
    The attacker assumes it from its own account, signed in with MFA there: admin in one move
    (the engine gave the session the writer's own mode, no MFA, and proved no path)."""
    mfa_admin = statement("Allow", "*", "*", {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    user = User(
        "release-bot",
        inline=(("trust", policy_doc(statement("Allow", "iam:UpdateAssumeRolePolicy"))),),
        keys=KEYS,
    )
    role = Role(
        "break-glass",
        trust(f"arn:aws:iam::{ACCOUNT}:root"),
        inline=(("mfa-admin", policy_doc(mfa_admin)),),
    )
    return Account(users=(user,), roles=(role,), policies=(READ_ONLY, ADMIN))


# -- positive controls: the engine and the checker agree today -----------------------------------
def attach_admin_to_itself() -> Account:
    """AttachUserPolicy on itself, unpinned: admin in one move (reachable, replays)."""
    own = statement("Allow", "iam:AttachUserPolicy", arn("user", "ci-deployer"))
    return Account(
        users=(User("ci-deployer", inline=(("self", policy_doc(own)),), keys=KEYS),),
        policies=(READ_ONLY, ADMIN),
    )


def third_key_over_quota() -> Account:
    """CreateAccessKey on an administrator that already has two keys (Q1), without
    DeleteAccessKey: no third key, so no admin (proven-unreachable on both sides)."""
    admin = User("platform-admin", attached=frozenset({ADMIN_ACCESS}), keys=(True, False))
    thief = User(
        "key-rotator",
        inline=(("keys", policy_doc(statement("Allow", "iam:CreateAccessKey"))),),
        keys=KEYS,
    )
    return Account(users=(admin, thief), policies=(READ_ONLY, ADMIN))


def mfa_required_keys_only() -> Account:
    """PutUserPolicy on itself only with MFA (Bool true); the user signs with access keys
    only, where aws:MultiFactorAuthPresent is absent (M1): no admin on both sides."""
    gated = statement(
        "Allow",
        "iam:PutUserPolicy",
        arn("user", "ci-runner"),
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    )
    return Account(
        users=(User("ci-runner", inline=(("mfa-gated", policy_doc(gated)),), keys=KEYS),),
        policies=(READ_ONLY, ADMIN),
    )


def assume_admin_role_with_mfa() -> Account:
    """A role trusting the account with MFA required; a user with an MFA device and the
    identity allow for sts:AssumeRole reaches it (reachable, replays)."""
    admin_role = Role(
        "break-glass",
        trust(f"arn:aws:iam::{ACCOUNT}:root", {"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        attached=frozenset({ADMIN_ACCESS}),
    )
    user = User(
        "oncall-sam",
        inline=(("assume", policy_doc(statement("Allow", "sts:AssumeRole", admin_role.arn))),),
        password=True,
        mfa_device=True,
    )
    return Account(users=(user,), roles=(admin_role,), policies=(READ_ONLY, ADMIN))


DISAGREEMENTS = {
    "join-group-then-attach": join_group_then_attach,
    "attach-pinned-to-read-only": attach_pinned_to_read_only,
    "role-acts-back-on-user": role_acts_back_on_user,
    "write-onto-a-held-user": write_onto_a_held_user,
    "own-keys-escape-an-mfa-deny": own_keys_escape_an_mfa_deny,
    "key-the-action-never-carries": key_the_action_never_carries,
    "deny-survives-the-attach": deny_survives_the_attach,
    "boundary-survives-the-write": boundary_survives_the_write,
    "version-the-boundary-policy": version_the_boundary_policy,
    "overwrite-the-group-deny": overwrite_the_group_deny,
    "boundary-version-grants-nothing": boundary_version_grants_nothing,
    "trust-rewritten-for-an-outside-account": trust_rewritten_for_an_outside_account,
    "trust-rewritten-then-assumed-with-mfa": trust_rewritten_then_assumed_with_mfa,
}
CONTROLS = {
    "attach-admin-to-itself": attach_admin_to_itself,
    "third-key-over-quota": third_key_over_quota,
    "mfa-required-keys-only": mfa_required_keys_only,
    "assume-admin-role-with-mfa": assume_admin_role_with_mfa,
}
