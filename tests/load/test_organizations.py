"""The organization tree and its SCP/RCP attachments (E4, E9)."""

from iamgraph.load.organizations import load_organization
from iamgraph.model.organization import RCP, SCP, NodeKind
from tests.conftest import DEMO


def org():
    gaps: list[str] = []
    return load_organization(DEMO / "organization", gaps), gaps


def test_tree():
    o, gaps = org()
    assert gaps == []
    assert (o.org_id, o.management_account, o.root_id) == ("o-a1b2c3d4e5", "111122223333", "r-a1b2")
    assert len(o.accounts) == 6 and len(o.ous()) == 4
    assert [n.name for n in o.path_to("444455556666")] == ["Root", "Workloads", "Prod", "acme-prod"]
    assert o.nodes["ou-a1b2-wkl00001"].kind is NodeKind.OU
    assert o.enabled_policy_types == {SCP, RCP}


def test_scp_levels_root_first():
    o, _ = org()
    levels = o.levels("555566667777", SCP)
    names = [[p.name for p in policies] for _, policies in levels]
    assert [n.node_id for n, _ in levels] == [
        "r-a1b2",
        "ou-a1b2-wkl00001",
        "ou-a1b2-dev00001",
        "555566667777",
    ]
    assert sorted(names[0]) == ["FullAWSAccess", "protect-cloudtrail"]
    assert names[2] == ["dev-allowed-services"]  # the Dev OU has no FullAWSAccess
    assert names[3] == ["FullAWSAccess"]


def test_policies_parse_from_content_strings():
    o, _ = org()
    protect = o.policies["p-prot3ctct"]
    assert protect.type == SCP and not protect.aws_managed and protect.targets == ("r-a1b2",)
    st = protect.document.statements[0]
    assert st.conditions[0].operator == "ArnNotLike"
    assert st.source.pointer.startswith("/Policy/Content")
    rcp = o.policies["p-rcpidnt1"]
    assert rcp.type == RCP and rcp.document.statements[0].principal.is_everyone
    assert o.levels("333344445555", RCP)[1][1][-1].policy_id in {"p-rcpidnt1", "p-RCPFullAWSAccess"}


def test_missing_listing_files_become_gaps(tmp_path):
    import shutil

    folder = tmp_path / "organization"
    shutil.copytree(DEMO / "organization", folder)
    (folder / "list-accounts-for-parent/ou-a1b2-dev00001.json").unlink()
    (folder / "describe-policy/p-prodreg1.json").unlink()
    gaps: list[str] = []
    o = load_organization(folder, gaps)
    assert "555566667777" not in o.accounts
    assert "p-prodreg1" not in o.policies
    assert gaps == [
        "organization/list-accounts-for-parent/ou-a1b2-dev00001.json missing: accounts under ou-a1b2-dev00001 unknown",
        "organization/describe-policy/p-prodreg1.json missing: content of SERVICE_CONTROL_POLICY p-prodreg1 unknown",
    ]
