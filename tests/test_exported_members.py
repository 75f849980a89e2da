"""The public names: one sorted ``__all__`` per package, every name importable and ours.

Modelled on httpx's ``tests/test_exported_members.py``. "Sorted" is the order ruff's RUF022
keeps (isort style): SCREAMING_CASE constants, then CamelCase classes, then the rest, each
group in ``sorted`` order.
"""

from __future__ import annotations

import importlib
import importlib.util
import types

import pytest

import cshealth

SUBPACKAGES = [
    "cshealth.models",
    "cshealth.io",
    *(["cshealth.datasets"] if importlib.util.find_spec("cshealth.datasets") else []),
    "cshealth.nps",
    "cshealth.scoring",
    "cshealth.retention",
    "cshealth.lifecycle",
    "cshealth.support",
    "cshealth.adoption",
    "cshealth.signals",
]


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


@pytest.mark.parametrize("name", cshealth.__all__)
def test_exported_name_is_importable_and_ours(name: str) -> None:
    member = getattr(cshealth, name)
    if name == "__version__":
        assert isinstance(member, str)
        return
    assert member.__module__.startswith("cshealth"), f"{name} comes from {member.__module__}"


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


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_subpackage_names_resolve(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        member = getattr(module, name)
        module_of = getattr(member, "__module__", None)
        # type aliases and plain constants carry no module of their own
        if isinstance(member, (type, types.FunctionType)):
            assert module_of is not None
            assert module_of.startswith("cshealth"), f"{package}.{name} is from {module_of}"


@pytest.mark.parametrize(
    "private",
    ["cshealth._exceptions", "cshealth._stats", "cshealth._types", "cshealth.models._base"],
)
def test_private_modules_declare_all(private: str) -> None:
    module = importlib.import_module(private)
    assert module.__all__ == isort_order(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name)
