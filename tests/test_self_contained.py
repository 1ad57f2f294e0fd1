"""Every test runs from a clone alone (issue 15): no test reads data beside the repository
(../shared/data is on the developers' machine only, so such a test could only skip in CI), and
none imports bench/ (not installed: a bare `pytest` from another folder failed to collect).
Benchmarks may read ../shared/data; what a test needs is in fixtures/ or made in the test."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import REPO

OUTSIDE = re.compile(r"""shared["'\s/]*data|REPO\.parent|/work/""")


def sources() -> list[Path]:
    return [p for p in sorted((REPO / "tests").rglob("*.py")) if p.name != Path(__file__).name]


def test_no_test_reads_beside_the_clone():
    found = [
        f"{p.relative_to(REPO)}:{n}: {line.strip()}"
        for p in sources()
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_no_test_imports_bench():
    found = []
    for p in sources():
        for node in ast.walk(ast.parse(p.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [
                f"{p.relative_to(REPO)}:{node.lineno}" for n in names if n.split(".")[0] == "bench"
            ]
    assert found == []
