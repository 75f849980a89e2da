"""Where every picture starts: matplotlib, imported only when a ``plot()`` is called.

Plots are an optional extra (``pip install 'cshealth[plot]'``): ``import cshealth`` never
imports matplotlib, and a ``plot()`` without it raises `MissingDependencyError` with the
install hint. Every ``plot(ax=None, **style)`` draws on the ``Axes`` it is given, or on a
new figure's, and returns that ``Axes``, as pandas and lifelines do. Nothing global is
changed: no style sheet, no backend, no ``rcParams``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from cshealth._exceptions import MissingDependencyError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["INSTALL_HINT", "axes", "contrasting", "require"]

#: How to install what the pictures need.
INSTALL_HINT = "pip install 'cshealth[plot]'"


def require(feature: str = "plot()") -> None:
    """Make sure matplotlib can be imported.

    Args:
        feature: What needs it, for the message (``'plot()'``).

    Raises:
        MissingDependencyError: When matplotlib is not installed, with the install hint.

    Examples:
        >>> require()  # matplotlib is installed with the test extras
    """
    try:
        import matplotlib.pyplot  # noqa: F401, PLC0415 - the optional extra, only when asked
    except ImportError as error:
        msg = f"{feature} needs matplotlib: {INSTALL_HINT}"
        raise MissingDependencyError(msg) from error


def axes(ax: Axes | None = None) -> Axes:
    """The ``Axes`` to draw on: ``ax`` itself, or a new figure's (``plt.subplots()``).

    Args:
        ax: An ``Axes`` of the caller's, or ``None`` for a new figure.

    Returns:
        ``ax``, or the ``Axes`` of a new pyplot figure (shown inline in a notebook;
        ``plt.close(ax.figure)`` frees it).

    Raises:
        MissingDependencyError: When ``ax`` is ``None`` and matplotlib is not installed.

    Examples:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> ax = axes()
        >>> axes(ax) is ax
        True
        >>> plt.close(ax.figure)
    """
    if ax is not None:
        return ax
    require()
    import matplotlib.pyplot as plt  # noqa: PLC0415 - the optional extra, only when asked

    return plt.subplots()[1]


def contrasting(rgba: ArrayLike) -> str:
    """Black or white, whichever reads better on a fill of colour ``rgba``.

    Args:
        rgba: The fill's red, green, blue (and alpha), each in ``[0, 1]``, as a
            colour map gives them.

    Returns:
        ``'black'`` on a light fill (relative luminance from 0.5), else ``'white'``.

    Notes:
        Luminance is the Rec. 601 weighting ``0.299 r + 0.587 g + 0.114 b``.

    Examples:
        >>> contrasting((1.0, 1.0, 0.0, 1.0)), contrasting((0.2, 0.0, 0.4, 1.0))
        ('black', 'white')
    """
    red, green, blue = np.asarray(rgba, dtype=np.float64)[:3].tolist()
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue >= 0.5 else "white"
