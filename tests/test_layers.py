"""The layers of DESIGN.md, enforced over the source tree with `ast` (import-linter cannot see
packages that pyproject maps with `package-dir`).

Lowest first; a module imports only its own layer or lower ones, deferred imports included:
a function-level import dodges the cost of loading, not the dependency. Third-party packages
with a narrow job stay in their room: z3 in `solvers/`, typer in `cli/`, rich in `cli/` and
`render/`, boto3 in `collect/`, graphviz in the DOT writer, duckdb in `activity/`.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from tests.conftest import REPO

# import name -> folder of the repository (pyproject `package-dir`)
ROOTS = {"iamgraph.solvers": "solvers", "iamgraph.cli": "cli", "iamgraph": "iamgraph"}

LAYERS: tuple[tuple[str, ...], ...] = (
    ("iamgraph", "iamgraph.errors", "iamgraph.model"),
    ("iamgraph.load", "iamgraph.catalog", "iamgraph.collect"),
    ("iamgraph.evaluate",),
    ("iamgraph.verdict", "iamgraph.finding"),
    ("iamgraph.solvers",),
    ("iamgraph.graph",),
    ("iamgraph.query",),
    ("iamgraph.premerge", "iamgraph.audit", "iamgraph.activity", "iamgraph.fix"),
    ("iamgraph.render",),
    ("iamgraph.cli",),
)

# third-party package -> the only module prefixes that may import it
CONFINED = {
    "z3": ("iamgraph.solvers",),
    "typer": ("iamgraph.cli",),
    "click": ("iamgraph.cli",),
    "rich": ("iamgraph.cli", "iamgraph.render"),
    "boto3": ("iamgraph.collect",),
    "botocore": ("iamgraph.collect",),
    "graphviz": ("iamgraph.render.dot",),
    "duckdb": ("iamgraph.activity",),
}


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer_of(module: str) -> int | None:
    """The most specific prefix wins: `iamgraph.graph.x` is graph, not the `iamgraph` root."""
    best = None
    for rank, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if _within(module, p) and (best is None or len(p) > len(best[1])):
                best = (rank, p)
    return None if best is None else best[0]


def modules(root: Path) -> dict[str, Path]:
    """Every module of the distribution, by import name, from a checkout rooted at `root`."""
    found = {}
    for name, folder in ROOTS.items():
        for path in sorted((root / folder).rglob("*.py")):
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([name, *parts])] = path
    return found


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Every module `module` imports, anywhere in the file, with its line."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            out.append((base, node.lineno))
            # `from iamgraph.solvers import prove` imports the submodule
            out += [(f"{base}.{a.name}", node.lineno) for a in node.names]
    return out


def check_tree(root: Path) -> tuple[list[Violation], nx.DiGraph]:
    mods = modules(root)
    graph = nx.DiGraph()
    violations = []
    for module, path in mods.items():
        rank = layer_of(module)
        rel = str(path.relative_to(root))
        if rank is None:
            violations.append(Violation(rel, 1, f"{module} is in no layer of LAYERS"))
            continue
        for target, line in imports(module, path):
            top = target.split(".")[0]
            if top in CONFINED and not any(_within(module, p) for p in CONFINED[top]):
                allowed = ", ".join(CONFINED[top])
                violations.append(Violation(rel, line, f"{module} imports {top} (only {allowed})"))
            if top != "iamgraph" or target not in mods:
                continue  # a name imported from a module, or a third-party package
            graph.add_edge(module, target, line=line)
            theirs = layer_of(target)
            if theirs is not None and theirs > rank:
                violations.append(
                    Violation(
                        rel,
                        line,
                        f"{module} ({'/'.join(LAYERS[rank])}) imports {target}, "
                        f"a higher layer ({'/'.join(LAYERS[theirs])})",
                    )
                )
    return violations, graph


def test_no_module_imports_a_higher_layer_or_a_confined_package():
    violations, _ = check_tree(REPO)
    assert not violations, "\n".join(map(str, violations))


def test_no_import_cycles_between_modules():
    """Deferred imports included: a cycle hidden inside a function is still a cycle."""
    _, graph = check_tree(REPO)
    graph.remove_edges_from([(a, b) for a, b in graph.edges if b == a.rpartition(".")[0]])
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, cycles


def test_verdicts_come_from_the_z3_free_module():
    """Printing a verdict must not load z3: `iamgraph.verdict`, never `solvers`, in the
    library, the tests and the benchmarks alike."""
    names = {
        "Verdict",
        "Witness",
        "Answer",
        "DEFAULT_TIMEOUT_MS",
        "Result",
        "NewAccess",
        "Comparison",
    }
    offenders = []
    for folder in (*ROOTS.values(), "tests", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "iamgraph.solvers"
                ):
                    offenders += [f"{path}:{node.lineno}" for a in node.names if a.name in names]
    assert not offenders, offenders


def _copy(tmp_path: Path) -> Path:
    for folder in ROOTS.values():
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


def _new(root: Path) -> list[Violation]:
    """What the planted change adds to whatever the real tree holds (the first test's job)."""
    before = set(check_tree(REPO)[0])
    return [v for v in check_tree(root)[0] if v not in before]


def test_a_planted_upward_import_fails_with_file_and_line(tmp_path):
    root = _copy(tmp_path)
    arn = root / "iamgraph" / "model" / "arn.py"
    lines = arn.read_text().splitlines()
    lines.append("from iamgraph.graph.build import build  # planted")
    arn.write_text("\n".join(lines) + "\n")
    assert [str(v) for v in _new(root)] == [
        f"iamgraph/model/arn.py:{len(lines)}: iamgraph.model.arn "
        "(iamgraph/iamgraph.errors/iamgraph.model) imports iamgraph.graph.build, "
        "a higher layer (iamgraph.graph)"
    ]


def test_a_planted_deferred_import_and_z3_outside_solvers_fail(tmp_path):
    root = _copy(tmp_path)
    summary = root / "iamgraph" / "query" / "summary.py"
    text = summary.read_text()
    summary.write_text(
        text + "\n\ndef _planted():\n    import z3\n\n    from iamgraph.cli import app\n"
    )
    violations = _new(root)
    found = [v.message for v in violations]
    assert "iamgraph.query.summary imports z3 (only iamgraph.solvers)" in found
    assert any(
        m.startswith("iamgraph.query.summary (iamgraph.query) imports iamgraph.cli") for m in found
    )
    assert all(v.file == "iamgraph/query/summary.py" for v in violations)


def test_a_planted_cycle_is_found(tmp_path):
    root = _copy(tmp_path)
    (root / "iamgraph" / "model" / "planted_a.py").write_text(
        "from iamgraph.model import planted_b\n"
    )
    (root / "iamgraph" / "model" / "planted_b.py").write_text(
        "def f():\n    from iamgraph.model import planted_a\n"
    )
    _, graph = check_tree(root)
    assert {"iamgraph.model.planted_a", "iamgraph.model.planted_b"} in [
        c for c in nx.strongly_connected_components(graph) if len(c) > 1
    ]
