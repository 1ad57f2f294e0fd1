"""What a newcomer types first: `--list` without a snapshot, and help that shows what it says."""


def test_audit_list_needs_no_snapshot_and_help_shows_toml_tables():
    """Issue 19: `audit --list` works without a snapshot; a help text holding `[[...]]` (a TOML
    table) is shown as written, not eaten as rich markup."""
    from typer.testing import CliRunner

    from iamgraph.cli.app import app

    listed = CliRunner().invoke(app, ["audit", "--list"])
    assert listed.exit_code == 0
    assert "IAM.ROOT.ACCESS_KEYS" in listed.output
    missing = CliRunner().invoke(app, ["audit"])
    assert missing.exit_code == 2
    assert "missing: the snapshot folder to audit (or --list)" in missing.stderr
    help_text = CliRunner().invoke(app, ["diff-policy", "--help"], terminal_width=200).output
    assert "[[suppression]] tables" in help_text
