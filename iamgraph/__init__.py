"""iamgraph: a policy-as-graph static analyzer for AWS organizations."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """`__version__` is read from the package metadata on first use: importlib.metadata takes
    a tenth of `iamgraph --help`'s start-up, which never prints it."""
    if name != "__version__":
        raise AttributeError(f"module 'iamgraph' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("iamgraph")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
