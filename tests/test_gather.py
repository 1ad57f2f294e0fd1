"""The context a credential fixes: every key AWS sets is there, since `can` reads the keys
the credential fixes but does not carry as absent (gather.is_credential_key)."""

from iamgraph.evaluate.gather import Mfa, credential_context, is_credential_key
from tests.demo import ORG_TRAIL as TRAIL


def keys(snap, principal, mfa=None):
    return {k: v.values for k, v in credential_context(snap, principal, TRAIL, mfa)}


def test_root_user_carries_its_account_as_userid(demo):
    ctx = keys(demo, "arn:aws:iam::555566667777:root")
    assert ctx["aws:userid"] == ("555566667777",)
    assert ctx["aws:PrincipalType"] == ("Account",)
    assert "aws:MultiFactorAuthPresent" not in ctx  # root signs with keys by default (M1)


def test_user_and_role_keys(demo):
    user = keys(demo, "arn:aws:iam::111122223333:user/ci-deployer")
    assert user["aws:username"] == ("ci-deployer",) and user["aws:PrincipalTag/team"] == (
        "platform",
    )
    role = keys(demo, "arn:aws:iam::111122223333:role/lambda-org-maintenance", Mfa.MFA)
    assert "aws:username" not in role  # roles have no aws:username
    assert role["aws:MultiFactorAuthPresent"] == ("true",) and role["aws:MultiFactorAuthAge"] == (
        "60",
    )
    assert all(is_credential_key(k.lower()) for k in user if k.startswith("aws:Principal"))


def _row(*, password: bool | None, mfa: bool, keys: tuple[bool, bool]):
    from iamgraph.model.credentials import AccessKey, CredentialRow

    key = [AccessKey(active, None, None, None, None) for active in keys]
    return CredentialRow(
        "dev", "arn:aws:iam::111122223333:user/dev", None, password, None, None, None, mfa,
        (key[0], key[1]), (False, False), 2,
    )  # fmt: skip


def test_credential_modes_from_the_report_row():
    """One rule for the audit's access table and the graph's starts (M1, M4, M5)."""
    from iamgraph.evaluate.gather import USER_MODES, credential_modes

    assert credential_modes(None) == USER_MODES  # no report: every mode
    keys_only = _row(password=False, mfa=False, keys=(True, False))
    assert credential_modes(keys_only) == (Mfa.LONG_TERM_KEYS,)
    console = _row(password=True, mfa=False, keys=(False, False))
    assert credential_modes(console) == (Mfa.NO_MFA,)
    root = _row(password=None, mfa=True, keys=(False, True))  # root: password `not_supported`
    assert credential_modes(root) == (Mfa.LONG_TERM_KEYS, Mfa.MFA)
    device_only = _row(password=False, mfa=True, keys=(False, False))
    assert credential_modes(device_only) == ()  # nothing to sign in with
