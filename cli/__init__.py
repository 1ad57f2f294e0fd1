"""The `iamgraph` command line: thin typer commands over the library."""
