"""Public homes: every exported class and function names the package users import it from.

cshealth defines its classes and functions in private modules (``cshealth.nps._score``)
and exports them from public packages (``cshealth.nps``). Python records the private
module in ``__module__``, and reprs, tracebacks, pickles and documentation tools all show
it. Each public package therefore ends with ``_public.publish(globals())``, which points
``__module__`` of every class and function in its ``__all__`` at the package itself, as
httpx does: a traceback reads ``cshealth.InvalidInputError: ...`` and a pickle refers to
``cshealth.nps.NPSResult``, names that stay when private modules are reorganised.

A name exported by more than one package reports the most public of them, the one nearest
the top: ``cshealth.Account``, not ``cshealth.models.Account``. The order of imports does
not matter: a package never takes a name from a package above it, and the top level runs
after the subpackages it imports from.

Type aliases and constants are left as they are: they have no ``__module__`` of their own.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Mapping

__all__ = ["publish"]


def publish(namespace: Mapping[str, object]) -> None:
    """Give the classes and functions of a package's ``__all__`` that package as their home.

    Args:
        namespace: The ``globals()`` of a public package's ``__init__``, after its
            ``__all__``.

    Examples:
        >>> import cshealth
        >>> from cshealth import models, nps
        >>> nps.NPSResult.__module__, cshealth.InvalidInputError.__module__
        ('cshealth.nps', 'cshealth')
        >>> models.Account.__module__  # exported at the top level too
        'cshealth'
    """
    package = str(namespace["__name__"])
    names = namespace["__all__"]
    if not isinstance(names, list):  # pragma: no cover - every package declares a list
        msg = f"{package}.__all__ must be a list of names"
        raise TypeError(msg)
    for name in names:
        member = namespace[str(name)]
        if not _has_home(member):
            continue
        home = member.__module__
        if _is_private(home) or home.startswith(f"{package}."):
            member.__module__ = package


def _has_home(member: object) -> bool:
    """Whether ``member`` is a class or a (possibly wrapped) function, which name a module."""
    if isinstance(member, type):
        return True
    return callable(member) and isinstance(inspect.unwrap(member), types.FunctionType)


def _is_private(module: str) -> bool:
    """Whether a dotted module name passes through a private ``_module``."""
    return any(part.startswith("_") for part in module.split("."))
