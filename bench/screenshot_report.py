"""Regenerate docs/audit-report.png: the demo organization's HTML audit report, as headless
Chromium draws it (top of the page, 1280 wide). The report and the browser call are the ones
the browser test uses (tests/audit/report_page.py).

    .venv/bin/python bench/screenshot_report.py [OUT.png]

Needs Graphviz's `dot` (scripts/ensure-graphviz.sh) and /usr/bin/chromium
(scripts/ensure-chromium.sh).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script from anywhere

from tests.audit.report_page import chromium, demo_report  # noqa: E402

OUT = REPO / "docs" / "audit-report.png"


def main(out: Path = OUT) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        os.chdir(REPO)  # so the header and source columns read fixtures/demo-org/...
        page.write_text(demo_report("fixtures/demo-org"))
        shot = Path(tmp) / "report.png"
        chromium(
            [f"--screenshot={shot}", "--window-size=1280,1400", page.as_uri()], Path(tmp) / "p"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(shot.read_bytes())
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
