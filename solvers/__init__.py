"""z3 encodings of AWS authorization (installed as `iamgraph.solvers`)."""
