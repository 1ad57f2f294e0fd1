"""The golden tests' fork server: import the CLI and build the IAM action catalog once, then
for each request (one JSON line on stdin: a case) fork a child that runs it and answer with one
JSON line `["ok", text]` or `["error", message]` on stdout. The catalog holds no z3 terms, so
building it (and its caches) here changes no witness; each child starts from the z3 state a
fresh `iamgraph` process has."""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from functools import cached_property

from iamgraph.catalog import catalog
from iamgraph.cli.app import app  # noqa: F401 - imported before the fork, as the CLI does
from tests.golden.capture import _run_here
from tests.golden.cases import Case

# z3-free invocations that load what every first command in a process loads (typer's testing
# runner, click command building, rich's error panels, the loaders)
WARM_UP = (("--version",), ("summary", "fixtures/bad/empty.json"), ("no-such-command",))


def _serve_one(request: dict) -> list[str]:
    fields = request["case"]
    case = Case(
        fields["name"],
        tuple(fields["argv"]),
        tuple(fields["files"]),
        fields["setup"],
        fields["subprocess"],
        fields["heavy"],
    )
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the case, send the text, leave without cleanup
        os.close(read)
        try:
            answer = ["ok", _run_here(case, request["subprocess"])]
        except BaseException:
            answer = ["error", traceback.format_exc()]
        with os.fdopen(write, "w") as out:
            out.write(json.dumps(answer))
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as got:
        data = got.read()
    os.waitpid(pid, 0)
    return json.loads(data) if data else ["error", "the case's process died"]


def _warm() -> None:
    """Fill the catalog's own caches (pure Python: regexes over ARN templates and condition
    keys, several seconds per process otherwise) once, before any fork. Whatever the catalog
    class is called on later, a cache it lacks here only makes the cases slower, never
    different."""
    cat = catalog()
    for name, attr in vars(type(cat)).items():
        if isinstance(attr, cached_property):
            getattr(cat, name)
    for service in sorted(getattr(cat, "services", ())):
        if hasattr(cat, "resource_types"):
            cat.resource_types(service)


def main() -> None:
    _warm()
    for argv in WARM_UP:
        _run_here(Case("warm-up", argv))
    gc.freeze()  # the children leave the server's objects alone: fewer pages copied on write
    for line in sys.stdin:
        sys.stdout.write(json.dumps(_serve_one(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
