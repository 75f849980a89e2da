"""The public names: one sorted ``__all__`` per package, nothing else public, all of it ours.

Modelled on httpx's ``tests/test_exported_members.py``, in its stronger form:

* the public names of each public package (``vars(package)`` without a leading underscore,
  its public subpackages aside) are exactly its ``__all__``, so no import leaks into the
  API (``cshealth.models`` once exported ``Mapping`` and ``MappingProxyType``);
* every name in ``__all__`` is defined by cshealth, not re-exported from elsewhere;
* every exported class and function reports the package it is exported from as
  ``__module__`` (`cshealth._public.publish`), so reprs, tracebacks and pickles read
  ``cshealth.nps.NPSResult`` and ``cshealth.InvalidInputError``, never a private module.

The rule for an object exported by more than one package: it reports the most public one,
the one nearest the top (``cshealth.Account``, not ``cshealth.models.Account``; the top
level re-exports models, loading, the shared result types and the exceptions). Two sibling
subpackages may not export one object unless the top level exports it too, since neither
is more public than the other.

"Sorted" is the order ruff's RUF022 keeps (isort style): SCREAMING_CASE constants, then
CamelCase classes, then the rest, each group in ``sorted`` order.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import pickle
import pickletools
import pkgutil
import sys
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import BaseModel

import cshealth

SUBPACKAGES = [
    "cshealth.models",
    "cshealth.io",
    "cshealth.datasets",
    "cshealth.nps",
    "cshealth.scoring",
    "cshealth.retention",
    "cshealth.lifecycle",
    "cshealth.backtest",
    "cshealth.support",
    "cshealth.adoption",
    "cshealth.signals",
    "cshealth.partials",
    "cshealth.dask",
]
#: Every public package, the top level first.
PUBLIC_PACKAGES = ["cshealth", *SUBPACKAGES]
#: Public modules that are not packages: the command line (``cshealth.cli:main``).
PUBLIC_MODULES = ["cshealth.cli"]
#: Dunder names a package exports on purpose.
EXPORTED_DUNDERS = frozenset({"__version__"})
SOURCE = Path(cshealth.__file__).parent


def public_names(module: types.ModuleType) -> list[str]:
    """The names ``module`` makes public: no leading underscore, public submodules aside."""
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") and name not in EXPORTED_DUNDERS:
            continue
        submodules = {f"{module.__name__}.{name}"} & {*SUBPACKAGES, *PUBLIC_MODULES}
        if isinstance(value, types.ModuleType) and value.__name__ in submodules:
            continue  # a public subpackage, under its own name
        names.append(name)
    return names


def has_home(member: object) -> bool:
    """Whether ``member`` names a module of its own: a class or a (wrapped) function."""
    if isinstance(member, type):
        return True
    return callable(member) and isinstance(inspect.unwrap(member), types.FunctionType)


def is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def exports_of(package: str) -> Iterator[tuple[str, Any]]:
    module = importlib.import_module(package)
    for name in module.__all__:
        yield name, getattr(module, name)


def homes_of(name: str, member: object) -> list[str]:
    """The public packages that export ``member`` as ``name``."""
    return [
        package
        for package in PUBLIC_PACKAGES
        if name in importlib.import_module(package).__all__
        and getattr(importlib.import_module(package), name) is member
    ]


def _bound_names(body: list[ast.stmt]) -> Iterator[str]:
    """The names a module body defines (not imports), also inside ``if`` and ``try``."""
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            yield from (target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name):
                yield node.target.id
        elif isinstance(node, ast.If):
            yield from _bound_names(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            yield from _bound_names(node.body + handlers + node.orelse + node.finalbody)


@functools.cache
def definitions() -> dict[str, frozenset[str]]:
    """For each name some cshealth module defines, the modules that define it."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue  # running it runs the command line
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        for name in _bound_names(ast.parse(path.read_text(encoding="utf-8")).body):
            found[name].add(module)
    return {name: frozenset(modules) for name, modules in found.items()}


def isort_order(names: list[str]) -> list[str]:
    def key(name: str) -> tuple[int, str]:
        if len(name) > 1 and name.upper() == name and name.strip("_").isidentifier():
            return (0, name)
        return (1 if name[:1].isupper() else 2, name)

    return sorted(names, key=key)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["b", "A", "C_D"], ["C_D", "A", "b"]),
        (["__version__", "load", "Table", "MODELS"], ["MODELS", "Table", "__version__", "load"]),
    ],
)
def test_isort_order_itself(names: list[str], expected: list[str]) -> None:
    assert isort_order(names) == expected


def test_all_is_sorted() -> None:
    assert cshealth.__all__ == isort_order(cshealth.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(set(cshealth.__all__)) == len(cshealth.__all__)


def test_version_is_pep440_like() -> None:
    parts = cshealth.__version__.split(".")
    assert len(parts) >= 2
    assert all(part[:1].isdigit() for part in parts[:2])


def test_top_level_re_exports_the_same_objects_as_subpackages() -> None:
    from cshealth import io, models

    for name in cshealth.__all__:
        for package in (io, models):
            if name in package.__all__:
                assert getattr(cshealth, name) is getattr(package, name)


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_subpackage_imports_with_sorted_all(package: str) -> None:
    module = importlib.import_module(package)
    assert isinstance(module, types.ModuleType)
    exported = module.__all__
    assert isinstance(exported, list)
    assert exported == isort_order(exported), f"{package}.__all__ is not sorted"
    assert len(set(exported)) == len(exported)


def test_every_public_package_and_module_is_listed() -> None:
    found = {
        f"cshealth.{info.name}"
        for info in pkgutil.iter_modules(cshealth.__path__)
        if not info.name.startswith("_")
    }
    assert found == {*SUBPACKAGES, *PUBLIC_MODULES}


def test_public_names_itself() -> None:
    from cshealth import nps

    module = types.ModuleType("cshealth")
    vars(module).update(nps=nps, area=nps, Mapping=dict, _helper=1, __version__="0.1")
    # the subpackage under its own name is not a leak; under another name it is
    assert sorted(public_names(module)) == ["Mapping", "__version__", "area"]


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_public_names_are_exactly_all(package: str) -> None:
    for submodule in [*SUBPACKAGES, *PUBLIC_MODULES]:
        importlib.import_module(submodule)  # each binds its name in `cshealth`
    module = importlib.import_module(package)
    assert module.__all__ == isort_order(public_names(module))


def test_definitions_itself() -> None:
    found = definitions()
    assert found["InvalidInputError"] == {"cshealth._exceptions"}
    assert "cshealth.models._registry" in found["MODELS"]
    # names cshealth imports but never defines: exporting them would leak them
    assert "Mapping" not in found
    assert "MappingProxyType" not in found


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_exported_names_are_defined_by_cshealth(package: str) -> None:
    for name, member in exports_of(package):
        definers = [
            module
            for module in sorted(definitions().get(name, ()))
            if getattr(importlib.import_module(module), name, None) is member
        ]
        assert definers, f"{package}.{name} is not defined by cshealth, only imported"


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_classes_and_functions_report_their_most_public_home(package: str) -> None:
    for name, member in exports_of(package):
        if not has_home(member):
            continue  # type aliases and constants have no module of their own
        homes = homes_of(name, member)
        top = min(home.count(".") for home in homes)
        nearest = [home for home in homes if home.count(".") == top]
        assert len(nearest) == 1, f"{name} is exported by {nearest}: export it at the top too"
        assert member.__module__ == nearest[0], f"{package}.{name} says {member.__module__}"
        # a pickle, a repr and a traceback name it by its module and qualified name
        assert member.__qualname__ == name
        assert getattr(sys.modules[member.__module__], name) is member


def test_a_name_exported_at_the_top_and_below_reports_the_top() -> None:
    from cshealth import io, models, nps

    assert models.Account.__module__ == "cshealth"
    assert io.load.__module__ == "cshealth"
    assert repr(models.Account) == "<class 'cshealth.Account'>"
    assert repr(nps.NPSResult) == "<class 'cshealth.nps.NPSResult'>"


@pytest.mark.parametrize("package", PUBLIC_PACKAGES)
def test_exported_functions_keep_their_doctests_where_they_are_defined(package: str) -> None:
    # `conftest.py` collects a docstring's examples from the module whose code defines the
    # object, whatever its `__module__` says; this is the fact it relies on
    for name, member in exports_of(package):
        if not has_home(member) or isinstance(member, type):
            continue
        defined_in = inspect.unwrap(member).__globals__["__name__"]
        assert is_private(defined_in) or defined_in == package, f"{package}.{name}"
        assert getattr(sys.modules[defined_in], name) is member


# --- pickles and models name the public home --------------------------------------------


def pickled_classes(value: object) -> list[str]:
    """The ``module name`` of every class a protocol-2 pickle of ``value`` refers to."""
    return [
        str(arg)
        for op, arg, _ in pickletools.genops(pickle.dumps(value, protocol=2))
        if op.name == "GLOBAL"
    ]


def assert_round_trip(value: object) -> object:
    kind = type(value)
    assert not is_private(kind.__module__), f"{kind.__qualname__} says {kind.__module__}"
    assert f"{kind.__module__} {kind.__qualname__}" in pickled_classes(value)
    back = pickle.loads(pickle.dumps(value))
    assert type(back) is kind
    assert repr(back) == repr(value)
    return back


@functools.cache
def world() -> object:
    from cshealth.datasets import sample

    return sample(seed=0, n_accounts=20)


def _health_scores() -> object:
    from cshealth import scoring

    data: Any = world()
    inputs = scoring.default_inputs(
        accounts=data.accounts,
        usage=data.usage,
        as_of=data.as_of,
        events=data.usage_events,
        tickets=data.tickets,
        survey_responses=data.survey_responses,
        milestones=data.milestones,
    )
    return scoring.score(scoring.default_scorecard(), inputs)


def _result(area: str) -> object:
    from cshealth import adoption, io, models, nps, retention, support

    data: Any = world()
    make: dict[str, Callable[[], object]] = {
        "io": lambda: io.load([{"id": "A1"}, {"id": ""}], models.Account, strict=False),
        "nps": lambda: nps.score(np.array([0, 7, 9, 10, 10] * 6)),
        "support": lambda: support.ticket_durations(data.tickets),
        "adoption": lambda: adoption.active_users(data.usage_events, as_of=data.as_of),
        "retention": lambda: retention.kaplan_meier([3, 5, 5, 8], [1, 0, 1, 1]),
        "scoring": _health_scores,
    }
    return make[area]()


@pytest.mark.parametrize("area", ["io", "nps", "support", "adoption", "retention", "scoring"])
def test_a_result_of_each_area_pickles_under_its_public_name(area: str) -> None:
    assert_round_trip(_result(area))


def _config(area: str) -> BaseModel:
    from cshealth import adoption, nps, scoring, support

    make: dict[str, Callable[[], BaseModel]] = {
        "nps": lambda: nps.FollowUpPolicy(window_days=60),
        "support": lambda: support.SLAPolicy(first_response_hours=8, by_priority={"urgent": 1}),
        "adoption": lambda: adoption.DEFAULT_THRESHOLDS,
        "scoring": scoring.default_scorecard,
    }
    return make[area]()


@pytest.mark.parametrize("area", ["nps", "support", "adoption", "scoring"])
def test_a_configuration_of_each_area_pickles_and_validates(area: str) -> None:
    config = _config(area)
    back = assert_round_trip(config)
    assert back == config
    kind = type(config)
    assert kind.model_validate_json(config.model_dump_json()) == config


@pytest.mark.parametrize("table", sorted(cshealth.models.TABLES))
def test_a_record_of_each_model_pickles_and_validates(table: str) -> None:
    data: Any = world()
    record = data.records(table)[0]
    back = assert_round_trip(record)
    assert back == record
    assert type(record).model_validate(record.model_dump()) == record


def _pydantic_models() -> list[str]:
    return sorted(
        {
            f"{member.__module__}.{name}"
            for package in PUBLIC_PACKAGES
            for name, member in exports_of(package)
            if isinstance(member, type) and issubclass(member, BaseModel)
        }
    )


@pytest.mark.parametrize("path", _pydantic_models())
def test_pydantic_models_with_a_public_home_still_build(path: str) -> None:
    package, _, name = path.rpartition(".")
    model = getattr(importlib.import_module(package), name)
    assert model.__pydantic_complete__
    schema = model.model_json_schema()
    if "$ref" in schema:  # a recursive model: its own schema is one of the definitions
        schema = schema["$defs"][schema["$ref"].rpartition("/")[2]]
    assert schema["title"] == name
    json.dumps(schema, allow_nan=False)


@pytest.mark.parametrize(
    "private",
    [
        "cshealth._exceptions",
        "cshealth._public",
        "cshealth._stats",
        "cshealth._types",
        "cshealth.models._base",
        "cshealth.models._registry",
    ],
)
def test_private_modules_declare_all(private: str) -> None:
    module = importlib.import_module(private)
    assert module.__all__ == isort_order(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name)
