"""Doctests of the classes and functions that name their public package as ``__module__``.

``cshealth._public.publish`` points ``__module__`` of every exported class and function at
the package users import it from: `cshealth.nps.NPSResult` is defined in
``cshealth.nps._score`` but reports ``cshealth.nps``. The standard doctest finder decides
by ``__module__`` which module an object's examples belong to, so it would collect a
class's examples from the package's ``__init__`` (with no source lines to point a failure
at) and skip every method of it, whose ``__module__`` is still the private module (pandas
met the same: https://github.com/pandas-dev/pandas/pull/62988). Here an object's examples
are collected from the module that defines it, as before the rewrite: a function by the
module its code runs in, a class by the module whose source has its ``class`` statement.
"""

from __future__ import annotations

import doctest
import inspect
import linecache
import re
import sys
import types
from collections.abc import Callable

import pytest

_FromModule = Callable[[doctest.DocTestFinder, types.ModuleType | None, object], bool]
_original: _FromModule = doctest.DocTestFinder._from_module  # type: ignore[attr-defined]


def _has_class_statement(module: types.ModuleType, name: str) -> bool:
    """Whether the source of ``module`` defines a top-level class ``name``."""
    filename = getattr(module, "__file__", None)
    if filename is None:
        return False
    pattern = re.compile(rf"class\s+{re.escape(name)}\b")
    return any(pattern.match(line) for line in linecache.getlines(filename))


def _from_module(
    finder: doctest.DocTestFinder, module: types.ModuleType | None, member: object
) -> bool:
    """Whether ``member`` is defined in ``module``, whatever its ``__module__`` says."""
    if module is None:
        return True
    target = inspect.unwrap(member) if callable(member) else member
    if isinstance(target, types.FunctionType):
        return target.__globals__ is vars(module)
    if isinstance(member, type) and "." not in member.__qualname__:
        name = member.__qualname__
        home = sys.modules.get(member.__module__)
        if home is not None and not _has_class_statement(home, name):
            # a public home given by `cshealth._public`: find the module that defines it
            return vars(module).get(name) is member and _has_class_statement(module, name)
    return _original(finder, module, member)


def pytest_configure(config: pytest.Config) -> None:
    """Collect each docstring example from the module that defines its object."""
    doctest.DocTestFinder._from_module = _from_module  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Put the standard doctest finder back."""
    doctest.DocTestFinder._from_module = _original  # type: ignore[attr-defined]
