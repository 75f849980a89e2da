"""Where every Dask call starts: dask is imported here, only when a function is called.

``import cshealth`` and ``import cshealth.dask`` never import dask; each function of
`cshealth.dask` asks for it through `require`, which raises `MissingDependencyError` with
the install hint when dask is not installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, cast

from cshealth._exceptions import InvalidInputError, MissingDependencyError

if TYPE_CHECKING:
    import dask.dataframe as dd
    from dask.delayed import Delayed

__all__ = ["INSTALL_HINT", "check_frame", "compute", "delayed", "require", "token"]

#: How to install what `cshealth.dask` needs.
INSTALL_HINT = "pip install 'cshealth[dask]'"


def require(feature: str) -> ModuleType:
    """``dask.dataframe``, imported now (it imports ``dask`` and pandas with it).

    Args:
        feature: What needs it, for the message (``'cshealth.dask.nps_trend'``).

    Raises:
        MissingDependencyError: When dask (with its dataframe extra) is not installed.

    Examples:
        >>> require("cshealth.dask.partials").__name__
        'dask.dataframe'
    """
    try:
        return importlib.import_module("dask.dataframe")
    except ImportError as error:
        msg = f"{feature} needs dask with its dataframe extra: {INSTALL_HINT}"
        raise MissingDependencyError(msg) from error


def check_frame(frame: object, dd: ModuleType, feature: str) -> None:
    """Refuse anything but a Dask DataFrame, naming what was given.

    Raises:
        InvalidInputError: When ``frame`` is not a ``dask.dataframe.DataFrame``.

    Examples:
        >>> check_frame([1, 2], require("f"), "f")
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: f reads a Dask DataFrame, got a list; ...
    """
    if not isinstance(frame, dd.DataFrame):
        msg = (
            f"{feature} reads a Dask DataFrame, got a {type(frame).__name__}; for data in "
            "memory call the single-machine function, or make one with "
            "dask.dataframe.from_pandas(frame, npartitions=...)"
        )
        raise InvalidInputError(msg)


def delayed() -> Callable[..., Callable[..., Delayed]]:
    """``dask.delayed``, imported now."""
    from dask.delayed import delayed  # noqa: PLC0415 - imported with dask, only when asked

    return cast("Callable[..., Callable[..., Delayed]]", delayed)


def token(frame: dd.DataFrame) -> str:
    """The frame's Dask token: equal for equal frames (the same data, the same steps)."""
    from dask.base import tokenize  # noqa: PLC0415 - imported with dask, only when asked

    return str(tokenize(frame))


def compute(*collections: object) -> tuple[object, ...]:
    """``dask.compute`` of the collections, in one computation."""
    from dask.base import compute  # noqa: PLC0415 - imported with dask, only when asked

    return cast("tuple[object, ...]", compute(*collections))
