"""`iamgraph collect`: a read-only snapshot of a live AWS organization, taken with boto3.

boto3 is an optional extra (`pip install 'iamgraph[collect]'`): only this package imports it
(`cli/collect.py` asks `have_boto3` first), so the rest of iamgraph runs without it. The
snapshot is written in exactly the layout `iamgraph.load.snapshot.load_snapshot` reads
(DESIGN.md "Snapshot layout").
"""

from __future__ import annotations

from importlib.util import find_spec


def have_boto3() -> bool:
    """Whether the optional extra is installed; asked before anything imports boto3."""
    try:
        return find_spec("boto3") is not None
    except ValueError:  # a module set to None in sys.modules (how the tests hide boto3)
        return False
