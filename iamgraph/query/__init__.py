"""Questions and their answers: the `ask` grammar and its action vocabulary, one library call
per question (`answer`: can, who-can, ask, paths, privesc, the graph's picture; `reach`: their
graph side; `asked`: the question checked against the catalog), `simulate` and `summary`."""
