"""`aws iam get-credential-report`: the raw CSV, or the CLI's JSON with base64 `Content`
(or `Content` already decoded to CSV text, as cloudmapper stores it: base64 has no commas).

FORMATS 1.2. `N/A`, `no_information`, `not_supported` and empty cells become None; errors in the
CSV name the line and column (`line 3 column mfa_active`), prefixed by `$.Content` in JSON form.
"""

from __future__ import annotations

import base64
import binascii
import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from iamgraph.errors import InputError
from iamgraph.load.fields import Doc, parse_date
from iamgraph.load.jsonloc import decode_text, parse_located, read_text
from iamgraph.model.arn import ArnError, parse_arn
from iamgraph.model.credentials import AccessKey, CredentialReport, CredentialRow

REQUIRED_COLUMNS = (
    "user",
    "arn",
    "mfa_active",
    "password_enabled",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
)
REPORT = "a credential report"
_NONE = frozenset({"N/A", "no_information", "not_supported", ""})


@dataclass(frozen=True)
class _Csv:
    """The CSV text and how to point into it: JSON form prefixes `$.Content`."""

    file: str
    text: str
    prefix: str
    position: tuple[int, int] | None  # of the Content string, in JSON form

    def error(self, line: int, column: str | None, message: str) -> InputError:
        where = f"line {line}" + (f" column {column}" if column else "")
        position = self.position or (line, 1)
        return InputError(self.file, f"{self.prefix}{where}", message, position)


def load_credential_report(
    path: Path | str, account: str, display: str | None = None
) -> CredentialReport:
    """Load either form; `generated` is known only from the JSON form's GeneratedTime."""
    name = display or str(path)
    text = read_text(path, name, REPORT)
    generated = None
    if str(path).endswith(".json") or text.lstrip().startswith("{"):
        source, generated = _from_json(text, name)
    else:
        source = _Csv(name, text, "", None)
    return CredentialReport(account, _rows(source), generated, name)


def _from_json(text: str, name: str) -> tuple[_Csv, datetime | None]:
    doc = Doc(parse_located(text, name))
    top = doc.obj(doc.root, ())
    content = doc.field(top, (), "Content", str)
    fmt = doc.field(top, (), "ReportFormat", str, required=False, default="text/csv")
    if fmt != "text/csv":
        raise doc.error(("ReportFormat",), f"ReportFormat must be 'text/csv', got {fmt!r}")
    if "," in content:  # decoded CSV text: the header row alone has commas, base64 none
        csv_text = content
    else:
        try:
            raw = base64.b64decode("".join(content.split()), validate=True)
        except (binascii.Error, ValueError):
            raise doc.error(("Content",), "Content is neither base64 nor CSV text") from None
        csv_text = decode_text(raw, name, "$.Content", REPORT)
    position = doc.located.position(("Content",))
    return _Csv(name, csv_text, "$.Content ", position), doc.date(top, (), "GeneratedTime")


def _rows(source: _Csv) -> tuple[CredentialRow, ...]:
    """Every row; a malformed CSV (a field over the csv module's limit of 131,072 characters,
    a stray NUL) is an input error on its line, never a `csv.Error` traceback."""
    reader = csv.reader(source.text.splitlines())
    try:
        header = next(reader, [])
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise source.error(1, None, f"credential report lacks column(s) {', '.join(missing)}")
        rows = []
        for cells in reader:
            if not cells:
                continue
            line = reader.line_num
            if len(cells) != len(header):
                raise source.error(line, None, f"expected {len(header)} fields, got {len(cells)}")
            rows.append(_Row(source, line, dict(zip(header, cells, strict=True))).parse())
    except csv.Error as exc:
        raise source.error(max(reader.line_num, 1), None, f"not a CSV row: {exc}") from None
    return tuple(rows)


@dataclass(frozen=True)
class _Row:
    """One CSV row being read: cells by column name, errors naming line and column."""

    source: _Csv
    line: int
    cells: dict[str, str]

    def text(self, column: str) -> str | None:
        value = self.cells.get(column, "")
        return None if value in _NONE else value

    def flag(self, column: str) -> bool | None:
        value = self.text(column)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            raise self.source.error(
                self.line, column, f"expected true or false, got {self.cells[column]!r}"
            )
        return value.lower() == "true"

    def active(self, column: str) -> bool:
        """A column that is always true or false (absent optional columns read as false)."""
        if column not in self.cells:
            return False
        value = self.flag(column)
        if value is None:
            raise self.source.error(
                self.line, column, f"expected true or false, got {self.cells[column]!r}"
            )
        return value

    def date(self, column: str) -> datetime | None:
        value = self.text(column)
        if value is None:
            return None
        parsed = parse_date(value)
        if parsed is None:
            raise self.source.error(self.line, column, f"not a date: {value!r}")
        return parsed

    def arn(self) -> str:
        value = self.cells["arn"]
        try:
            parse_arn(value)
        except ArnError as exc:
            raise self.source.error(self.line, "arn", str(exc)) from None
        return value

    def key(self, n: int) -> AccessKey:
        prefix = f"access_key_{n}_"
        return AccessKey(
            active=self.active(prefix + "active"),
            last_rotated=self.date(prefix + "last_rotated"),
            last_used=self.date(prefix + "last_used_date"),
            last_used_region=self.text(prefix + "last_used_region"),
            last_used_service=self.text(prefix + "last_used_service"),
        )

    def parse(self) -> CredentialRow:
        user = self.cells["user"]
        if not user:
            raise self.source.error(self.line, "user", "empty user name")
        return CredentialRow(
            user=user,
            arn=self.arn(),
            created=self.date("user_creation_time"),
            password_enabled=self.flag("password_enabled"),
            password_last_used=self.date("password_last_used"),
            password_last_changed=self.date("password_last_changed"),
            password_next_rotation=self.date("password_next_rotation"),
            mfa_active=self.active("mfa_active"),
            access_keys=(self.key(1), self.key(2)),
            certs_active=(self.active("cert_1_active"), self.active("cert_2_active")),
            line=self.line,
        )
