"""`iamgraph.toml` read once (issue 15): one parse gives the invariant and the suppression
tables, each located at its `[[...]]` header; mistakes name the file and the table's path."""

from __future__ import annotations

import pytest

from iamgraph.errors import InputError
from iamgraph.load.settings import Invariant, SuppressionTable, load_settings

TEXT = """\
[[invariant]]
name = "no-escalation"
escalation = true
allow = ["arn:aws:iam::111122223333:role/break-glass"]

[[suppression]]
rule = "IAMG-P001"
subject = "arn:aws:iam::111122223333:role/ci-*"
justification = "  CI publishes build artifacts (SEC-1234) "

[[invariant]]
name = "no-public"
exposure = "public"
"""


def test_one_parse_gives_both_kinds_of_table(tmp_path):
    toml = tmp_path / "iamgraph.toml"
    toml.write_text(TEXT)
    settings = load_settings(toml, invariants=True)
    assert settings.invariants == (
        Invariant(
            "no-escalation", escalation=True, allow=("arn:aws:iam::111122223333:role/break-glass",)
        ),
        Invariant("no-public", exposure="public"),
    )
    assert [i.line for i in settings.invariants] == [1, 11]
    assert settings.suppressions == (
        SuppressionTable(
            justification="CI publishes build artifacts (SEC-1234)",
            rule="IAMG-P001",
            subject="arn:aws:iam::111122223333:role/ci-*",
            origin=f"{toml}:6",
        ),
    )


def test_suppressions_alone_ignore_the_invariant_tables(tmp_path):
    """`--suppressions FILE` may be any file with [[suppression]] tables: other tables are
    not its business, and none at all is no suppression."""
    toml = tmp_path / "accepted.toml"
    toml.write_text('title = "x"\n[[invariant]]\nname = ""\n')
    assert load_settings(toml) == load_settings(toml, data={"title": "x"})
    assert load_settings(toml).suppressions == ()


@pytest.mark.parametrize(
    ("text", "invariants", "path", "message"),
    [
        (
            '[[invariant]]\nname = "x"\nescalation = true\nfoo = 1\n',
            True,
            "$.invariant[0].foo",
            "unknown key (expected ['allow', 'ask', 'audit', 'description', 'escalation', "
            "'exposure', 'name'])",
        ),
        (
            '[[suppression]]\nrule = "IAMG-P001"\nwhy = "x"\n',
            False,
            "$.suppression[0].why",
            "unknown key (expected ['fingerprint', 'justification', 'match', 'rule', 'subject'])",
        ),
        (
            '[[suppression]]\njustification = "ok"\n',
            False,
            "$.suppression[0]",
            "name a rule, subject, match or fingerprint to suppress",
        ),
        ('suppression = "x"\n', False, "$.suppression", "expected [[suppression]] tables"),
        (
            '[[invariant]]\nname = "x"\naudit = "IAM.1"\n',
            True,
            "$.invariant[0].audit",
            "no audit check IAM.1",
        ),
    ],
)
def test_mistakes_name_the_table(tmp_path, text, invariants, path, message):
    toml = tmp_path / "bad.toml"
    toml.write_text(text)
    with pytest.raises(InputError) as err:
        load_settings(toml, invariants=invariants, audit_check=lambda check_id: False)
    assert (err.value.file, err.value.path, err.value.message) == (str(toml), path, message)
