"""The concrete AWS decision for one request (`layers.decide`), the request and its context
(`request`), pattern and condition matching (`matching`, `conditions`), and the snapshot glue
that finds the layers of a principal's request (`gather`). The oracle every witness replays on."""
