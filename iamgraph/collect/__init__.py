"""`iamgraph collect`: a read-only snapshot of a live AWS organization, taken with boto3.

boto3 is an optional extra (`pip install 'iamgraph[collect]'`): only this package and
`cli/collect.py` import it, so the rest of iamgraph runs without it. The snapshot is written in
exactly the layout `iamgraph.load.snapshot.load_snapshot` reads (DESIGN.md "Snapshot layout").
"""
