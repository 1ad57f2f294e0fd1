"""Issue 17 class 10: a credential-report field over the csv module's 131,072-character limit
is an input error naming the file and line (the report is optional, so a snapshot run leaves it
out, issue 16), never a `csv.Error` traceback."""

from __future__ import annotations

import pytest

from iamgraph.errors import InputError
from iamgraph.load.credential_report import load_credential_report
from tests.load.test_credential_report import ACCOUNT, HEADER


def test_a_field_over_the_csv_limit(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(f'{HEADER}\n"{"a" * 200_000}",x\n')
    with pytest.raises(InputError) as info:
        load_credential_report(path, ACCOUNT, "report.csv")
    assert (
        str(info.value)
        == "report.csv: line 2: not a CSV row: field larger than field limit (131072)"
    )
