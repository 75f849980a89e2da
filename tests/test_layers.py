"""The layers of cshealth: every import points down, and no package reaches into another.

DESIGN.md ("Layout") says that subpackages depend downward only, that there are no cycles,
and that no area reaches into another's private modules. This test keeps it so. It parses
every module under ``src/cshealth`` with `ast` and reads all of its imports: module-level,
function-local and ``TYPE_CHECKING`` ones, with relative imports resolved. It then holds
the package to these layers, bottom up:

0. **bottom**: the top-level ``_``-modules (``_types``, ``_exceptions``, ``_ids``,
   ``_scalars``, ``_stats``, ``_codes``, ``_checks``, ``_absent``, ``_time``, ``_zones``,
   ``_slopes``, ``_result``, ``_config``, ``_public``, ``_text``, ``_plot``,
   ``_partial``, ``_partial_table``, ``_version``), plus ``models``.
   These are shared primitives, and they may import one another. ``_plot`` is where
   every ``plot()`` gets its ``Axes``; it imports matplotlib only when called, so
   ``import cshealth`` stays free of it (the last test here keeps it so). ``_partial``
   is the shape of every partial aggregate, which each area subclasses.
1. **io**: the one input layer.
2. **measures**: ``_measures``, the per-account measures table that every area returns,
   ``_measures_join``, which lines such tables up on ``account_id``, ``_grouped``,
   the one grouped result every ``by=`` returns, and ``_grouping``, which reads ``by``.
   They are top-level ``_``-modules, but they read columns and ids through io, so they
   sit just above io and below the areas they serve.
3. **areas**: ``nps``, ``support``, ``adoption``, ``retention``, and ``datasets``. The
   sample-data generator imports only the bottom and io (its tables are io ``Table``
   objects), and only the CLI imports it. Placing it beside the areas rather than on top
   means sample data can never come to depend on an analytic.
4. **scoring**: it consumes the areas' results (the default scorecard calls them).
5. **lifecycle and backtest**: they sit on scoring and retention.
6. **adapters**: ``signals``, ``partials``, ``dask`` and ``plots``, on top of the analytics.
7. **application**: ``cli``, ``_report``, ``__main__``, and the package root ``cshealth``,
   whose ``__init__`` re-exports names from every layer. The command reaches every area
   (``cshealth schema`` lists the configurations of all of them, ``signals`` included), so
   it sits above the adapters rather than beside them.

The rules:

(a) A module never imports from a higher layer.
(b) Two packages on one layer (above the bottom) do not import each other, unless the pair
    is listed in `ALLOWED_SIBLINGS` with its reason. Only the command's own modules are
    listed (``__main__`` runs ``cli``, and ``cli`` prints ``_report``), the two halves
    of the measures table (``_measures_join`` lines up ``_measures``' tables), and the
    two halves of ``by`` (``_grouping`` reads it into the groups of a ``_grouped`` result).
(c) A package's ``_``-modules and ``_``-names (dunders such as ``__version__`` aside)
    belong to it. From outside, a module imports only three kinds of name: the package's
    public names (the ``__all__`` of its ``__init__``); the public names of the bottom
    modules; and the names of a declared front door (`FRONT_DOORS`):

    * io's front door is ``cshealth.io._read``. Its ``__all__`` lists every io name that
      another package may use beyond the public ``cshealth.io`` ones: the column readers
      (``read_columns``, ``raw_columns``, ``named_columns``, ``row_columns``,
      ``convert_column``, ``column_array``, ``column_length``), the id rule (``read_ids``,
      ``repeated``, ``same_kind``, ``keyed_values``, ``position_of``), the whole-column
      time readers (``utc_instants``, ``time_durations``), the model field specs
      (``field_specs``) and the file suffixes io reads (``FILE_SUFFIXES``, for the CLI).
      The table itself (``Table``, ``to_columns``) is public in ``cshealth.io``, and the
      array aliases (``Column``, ``IdArray``) are in ``cshealth._types``. io's other modules
      are free to change.
    * models' front door is ``cshealth.models._base``. Its ``__all__`` lists the
      annotated field types that records are built from (``Identifier``, ``Instant``,
      ``Label``, ...), plus the ``IDENTIFIER`` marker that io's column readers look for.
      ``scoring`` and ``adoption`` use the field types for their own record models.

(d) There are no import cycles among modules, counting function-local imports.

Every module must also belong to a unit that has a layer, so a new top-level module or
subpackage fails here until someone places it. Each failure names the file, the line and
the offending edge.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "cshealth"

#: Top-level ``_``-modules at the bottom.
BOTTOM_MODULES = (
    "_absent",
    "_checks",
    "_codes",
    "_config",
    "_exceptions",
    "_ids",
    "_partial",
    "_partial_table",
    "_plot",
    "_public",
    "_result",
    "_scalars",
    "_slopes",
    "_stats",
    "_text",
    "_time",
    "_types",
    "_version",
    "_zones",
)
LAYER_NAMES = (
    "bottom",
    "io",
    "measures",
    "areas",
    "scoring",
    "lifecycle and backtest",
    "adapters",
    "application",
)
BOTTOM = 0
#: The layer of every unit: a top-level module, a subpackage, or ``""`` for the root.
LAYERS: Mapping[str, int] = {
    **dict.fromkeys(BOTTOM_MODULES, 0),
    "models": 0,
    "io": 1,
    **dict.fromkeys(("_measures", "_measures_join", "_grouped", "_grouping"), 2),
    **dict.fromkeys(("nps", "support", "adoption", "retention", "datasets"), 3),
    "scoring": 4,
    **dict.fromkeys(("lifecycle", "backtest"), 5),
    **dict.fromkeys(("signals", "partials", "dask", "plots"), 6),
    **dict.fromkeys(("cli", "_report", "__main__", ""), 7),
}
#: Pairs of units on one layer that may import each other (importer, imported): reason.
ALLOWED_SIBLINGS: Mapping[tuple[str, str], str] = {
    ("__main__", "cli"): "`python -m cshealth` runs the command",
    ("cli", "_report"): "the report is what `cshealth demo` and `cshealth report` print",
    ("_measures_join", "_measures"): "`join_measures` lines up `MeasureTable` objects",
    ("_grouping", "_grouped"): "`Groups.apply` builds the `Grouped` result of each `by`",
}
#: The one private module of a package that others may import from (names in its __all__).
FRONT_DOORS: Mapping[str, str] = {
    "io": "cshealth.io._read",
    "models": "cshealth.models._base",
}


@dataclass(frozen=True)
class Source:
    """One module's file (as shown in messages), its text, and whether it is a package."""

    path: str
    text: str
    package: bool = False


@dataclass(frozen=True)
class Edge:
    """One import: ``importer`` imports ``names`` from ``target`` (none: the module itself)."""

    importer: str
    target: str
    names: tuple[str, ...]
    path: str
    line: int

    def __str__(self) -> str:
        shown = f" ({', '.join(self.names)})" if self.names else ""
        return f"{self.path}:{self.line}: {self.importer} -> {self.target}{shown}"


def load_sources(src: Path = SRC) -> dict[str, Source]:
    """Every module of the package under ``src`` by dotted name."""
    sources: dict[str, Source] = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if package else parts)
        shown = path.relative_to(src.parent).as_posix()
        sources[name] = Source(shown, path.read_text(encoding="utf-8"), package)
    return sources


def unit(module: str) -> str:
    """The top-level module or subpackage ``module`` belongs to (``""`` for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(name: str, sources: Mapping[str, Source]) -> Iterator[Edge]:
    """Every import of the package's own modules in module ``name``, anywhere in its body."""
    source = sources[name]
    package = name if source.package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source.text, source.path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == ROOT or alias.name.startswith(ROOT + "."):
                    yield Edge(name, alias.name, (), source.path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module != ROOT and not module.startswith(ROOT + "."):
                continue
            names: list[str] = []
            for alias in node.names:
                if f"{module}.{alias.name}" in sources:  # a submodule
                    yield Edge(name, f"{module}.{alias.name}", (), source.path, node.lineno)
                else:
                    names.append(alias.name)
            if names:
                yield Edge(name, module, tuple(names), source.path, node.lineno)


def exported(source: Source) -> frozenset[str]:
    """The names in a module's literal ``__all__`` (none without one)."""
    for node in ast.parse(source.text, source.path).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        value = getattr(node, "value", None)
        if value is not None and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in targets
        ):
            return frozenset(ast.literal_eval(value))
    return frozenset()


def edge_problems(edge: Edge, sources: Mapping[str, Source]) -> list[str]:
    """What is wrong with one import between two units (nothing inside a unit)."""
    here, there = unit(edge.importer), unit(edge.target)
    if here == there or here not in LAYERS or there not in LAYERS:
        return []
    if edge.target not in sources:
        return [f"{edge}: no such module"]
    problems: list[str] = []
    low, high = LAYERS[here], LAYERS[there]
    if high > low:
        problems.append(
            f"{edge}: imports upward, from layer {LAYER_NAMES[low]!r} ({here or ROOT}) "
            f"into layer {LAYER_NAMES[high]!r} ({there or ROOT})"
        )
    elif high == low != BOTTOM and (here, there) not in ALLOWED_SIBLINGS:
        problems.append(
            f"{edge}: imports a sibling on layer {LAYER_NAMES[low]!r} ({here} -> {there}); "
            "move what both need down a layer, or list the pair in ALLOWED_SIBLINGS"
        )
    package = f"{ROOT}.{there}"
    if there and sources[package].package:
        door = FRONT_DOORS.get(there)
        if edge.target not in (package, door):
            doors = f"`{package}`" + (f" or its front door `{door}`" if door else "")
            return [
                *problems,
                f"{edge}: reaches into a private module of {there}; import from {doors}",
            ]
        allowed = exported(sources[edge.target])
        problems.extend(
            f"{edge}: `{name}` is not in the __all__ of {edge.target}, the names other "
            "packages may use"
            for name in edge.names
            if name not in allowed
        )
    else:
        problems.extend(
            f"{edge}: `{name}` is private to {edge.target}"
            for name in edge.names
            if name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
        )
    return problems


def cycles(edges: list[Edge]) -> list[str]:
    """One message per import cycle (strongly connected group of modules), edges named."""
    graph: dict[str, dict[str, Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, {}).setdefault(edge.target, edge)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, {}):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph.get(node, {}):
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_message(group, graph) for group in groups]


def _cycle_message(group: list[str], graph: Mapping[str, Mapping[str, Edge]]) -> str:
    """A shortest cycle through the group's first module, each edge with its file and line."""
    members = set(group)
    start = group[0]
    paths: dict[str, list[Edge]] = {start: []}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target, edge in sorted(graph.get(node, {}).items()):
                if target == start:
                    loop = [*paths[node], edge]
                    shown = "; ".join(str(e) for e in loop)
                    return f"import cycle among {', '.join(group)}: {shown}"
                if target in members and target not in paths:
                    paths[target] = [*paths[node], edge]
                    following.append(target)
        frontier = following
    raise AssertionError(group)  # pragma: no cover - a strongly connected group has a cycle


def check(sources: Mapping[str, Source]) -> list[str]:
    """Every breach of the layering rules among ``sources``."""
    problems = [
        f"{source.path}: {name} belongs to no layer; add `{unit(name) or ROOT}` to LAYERS"
        for name, source in sources.items()
        if unit(name) not in LAYERS
    ]
    edges = [edge for name in sorted(sources) for edge in imports(name, sources)]
    for edge in edges:
        problems.extend(edge_problems(edge, sources))
    problems.extend(cycles(edges))
    return problems


# --- the package ------------------------------------------------------------------------------


def test_the_package_keeps_its_layers() -> None:
    problems = check(load_sources())
    assert not problems, "\n".join(["layering broken:", *problems])


def test_the_checker_sees_the_whole_package() -> None:
    """A parse that found nothing would pass the test above, so check what it finds."""
    sources = load_sources()
    edges = {(e.importer, e.target) for name in sources for e in imports(name, sources)}
    assert len(sources) > 100
    assert len(edges) > 300
    assert ("cshealth.scoring._default", "cshealth.nps") in edges  # `from cshealth import nps`
    assert ("cshealth.io", "cshealth.io._read") in edges  # an __init__'s import
    assert {unit(name) for name in sources} <= set(LAYERS)


def test_every_allowance_is_still_needed() -> None:
    sources = load_sources()
    used = {(unit(e.importer), unit(e.target)) for name in sources for e in imports(name, sources)}
    assert set(ALLOWED_SIBLINGS) <= used


@pytest.mark.parametrize("package", sorted(FRONT_DOORS))
def test_front_doors_export_what_they_list(package: str) -> None:
    door = importlib.import_module(FRONT_DOORS[package])
    listed = exported(load_sources()[FRONT_DOORS[package]])
    assert listed == set(door.__all__)
    assert [name for name in door.__all__ if not hasattr(door, name)] == []


# --- the checker catches what it should -----------------------------------------------------------


def fake(**modules: str) -> dict[str, Source]:
    """Modules from text, named with ``__`` for dots; a name ending ``__init`` is a package.

    Every package named ``cshealth.X.Y`` also gets an empty ``cshealth.X`` package.
    """
    sources: dict[str, Source] = {"cshealth": Source("cshealth/__init__.py", "", package=True)}
    for key, text in modules.items():
        parts = key.split("__")
        package = parts[-1] == "init"
        name = ".".join(parts[:-1] if package else parts)
        path = "/".join([*parts[:-1], "__init__"] if package else parts) + ".py"
        sources[name] = Source(path, dedent(text), package)
        if name.count(".") > 1:
            parent = ".".join(name.split(".")[:2])
            sources.setdefault(parent, Source(parent.replace(".", "/") + "/__init__.py", "", True))
    return sources


@pytest.mark.parametrize(
    ("modules", "expected"),
    [
        pytest.param(
            {
                "cshealth___types": "from cshealth.scoring import score\n",
                "cshealth__scoring__init": "__all__ = ['score']\n",
            },
            r"cshealth/_types.py:1: cshealth._types -> cshealth.scoring \(score\): imports upward, "
            r"from layer 'bottom' \(_types\) into layer 'scoring' \(scoring\)",
            id="upward",
        ),
        pytest.param(
            {
                "cshealth__io___read": "def f():\n    x = 1\n    from ..scoring import score\n",
                "cshealth__scoring__init": "__all__ = ['score']\n",
            },
            r"cshealth/io/_read.py:3: cshealth.io._read -> cshealth.scoring \(score\): imports "
            "upward",
            id="function-local relative upward",
        ),
        pytest.param(
            {
                "cshealth__nps___score": "from cshealth import support\n",
                "cshealth__support__init": "",
            },
            r"cshealth/nps/_score.py:1: cshealth.nps._score -> cshealth.support: imports a "
            "sibling on layer 'areas' \\(nps -> support\\)",
            id="sibling",
        ),
        pytest.param(
            {
                "cshealth__scoring___trend": "from cshealth.adoption._slopes import fit\n",
                "cshealth__adoption___slopes": "__all__ = ['fit']\n",
            },
            r"cshealth/scoring/_trend.py:1: cshealth.scoring._trend -> "
            r"cshealth.adoption._slopes \(fit\): reaches into a private module of adoption",
            id="private module",
        ),
        pytest.param(
            {
                "cshealth__nps___score": "from cshealth.io._ids import read_ids\n",
                "cshealth__io___ids": "__all__ = ['read_ids']\n",
            },
            r"cshealth.io._ids \(read_ids\): reaches into a private module of io; import from "
            r"`cshealth.io` or its front door `cshealth.io._read`",
            id="past the front door",
        ),
        pytest.param(
            {
                "cshealth__nps___score": "import cshealth.io._ids\n",
                "cshealth__io___ids": "",
            },
            r"cshealth.nps._score -> cshealth.io._ids: reaches into a private module of io",
            id="plain import past the front door",
        ),
        pytest.param(
            {
                "cshealth__scoring___trend": "from cshealth.io._read import _length, read_ids\n",
                "cshealth__io___read": "__all__ = ['read_ids']\n",
            },
            r"cshealth/scoring/_trend.py:1: cshealth.scoring._trend -> cshealth.io._read "
            r"\(_length, read_ids\): `_length` is not in the __all__ of cshealth.io._read",
            id="private name at the front door",
        ),
        pytest.param(
            {
                "cshealth__nps___score": "from cshealth.io import Column\n",
                "cshealth__io__init": "__all__ = ['Table']\n",
            },
            r"`Column` is not in the __all__ of cshealth.io",
            id="unexported name of a package",
        ),
        pytest.param(
            {
                "cshealth___time": "from cshealth._zones import _local\n",
                "cshealth___zones": "def _local(): ...\n",
            },
            r"cshealth/_time.py:1: cshealth._time -> cshealth._zones \(_local\): `_local` is "
            "private to cshealth._zones",
            id="private name of a bottom module",
        ),
        pytest.param(
            {
                "cshealth__io___table": "def f():\n    from cshealth.io._columns import g\n",
                "cshealth__io___columns": "from cshealth.io._table import Table\n",
            },
            r"import cycle among cshealth.io._columns, cshealth.io._table: "
            r"cshealth/io/_columns.py:1: cshealth.io._columns -> cshealth.io._table \(Table\); "
            r"cshealth/io/_table.py:2: cshealth.io._table -> cshealth.io._columns \(g\)",
            id="cycle through a function-local import",
        ),
        pytest.param(
            {"cshealth__plugins": "x = 1\n"},
            r"cshealth/plugins.py: cshealth.plugins belongs to no layer; add `plugins` to LAYERS",
            id="unplaced module",
        ),
    ],
)
def test_the_checker_catches(modules: dict[str, str], expected: str) -> None:
    problems = check(fake(**modules))
    assert any(re.search(expected, problem) for problem in problems), problems


def test_the_checker_passes_what_is_allowed() -> None:
    sources = fake(
        cshealth___types="import numpy as np\n",
        cshealth___scalars="from cshealth._types import Column\nfrom . import _types\n",
        cshealth__models__init="from cshealth.models._base import Record\n__all__ = ['Record']\n",
        cshealth__models___base="from cshealth._scalars import X\n__all__ = ['Identifier']\n",
        cshealth__io__init="__all__ = ['Table']\n",
        cshealth__io___read="from ._table import _Private\n__all__ = ['read_columns']\n",
        cshealth__io___table="from cshealth.models import Record\n",
        cshealth__nps___score=(
            "from cshealth.io import Table\n"
            "from cshealth.io._read import read_columns\n"
            "from cshealth.models._base import Identifier\n"
            "from cshealth import _scalars\n"
        ),
        cshealth__scoring___default="def f():\n    from cshealth import nps\n",
        cshealth__cli="from cshealth.scoring import x\nfrom cshealth.datasets import sample\n",
        cshealth__scoring__init="__all__ = ['x']\n",
        cshealth__datasets__init="__all__ = ['sample']\n",
    )
    assert check(sources) == []


# --- the optional extras stay optional ------------------------------------------------------------


def test_importing_cshealth_does_not_import_matplotlib() -> None:
    """Extras stay optional: matplotlib is imported by a ``plot()`` only, never on import,
    and dask (with distributed) by a function of ``cshealth.dask`` only, not by importing it.
    """
    packages = sorted(
        f"{ROOT}.{path.name}"
        for path in (SRC / ROOT).iterdir()
        if (path / "__init__.py").exists() and not path.name.startswith("_")
    )
    script = "; ".join(
        [
            "import sys",
            *(f"import {name}" for name in [ROOT, *packages, f"{ROOT}.cli"]),
            "extras = ('matplotlib', 'dask', 'distributed')",
            "print(sorted(m for m in sys.modules if m.split('.')[0] in extras))",
        ]
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert len(packages) >= 8
    assert done.stdout.strip() == "[]"
