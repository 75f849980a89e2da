"""Where every picture starts: matplotlib, imported only when a ``plot()`` is called.

Plots are an optional extra (``pip install 'cshealth[plot]'``): ``import cshealth`` never
imports matplotlib, and a ``plot()`` without it raises `MissingDependencyError` with the
install hint. Every ``plot(ax=None, **style)`` draws on the ``Axes`` it is given, or on a
new figure's, and returns that ``Axes``, as pandas and lifelines do. Nothing global is
changed: no style sheet, no backend, no ``rcParams``.

The pieces every area's drawing shares are here too, one of each: notes (`note`,
`not_drawn`), axis names (`label_axes`), dates (`date_ticks`, `date_numbers`), reference
lines (`draw_once`), floating bars (`unstick`), percents (`percent_axes`), heatmap text
(`write_cells`), bin widths (`round_width`) and colours (`UP`, `DOWN`, `BAND_ALPHA`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._exceptions import MissingDependencyError
from cshealth._types import FloatArray

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.image import AxesImage
    from matplotlib.ticker import PercentFormatter

__all__ = [
    "BAND_ALPHA",
    "DOWN",
    "INSTALL_HINT",
    "NO_DATA",
    "UP",
    "axes",
    "contrasting",
    "date_numbers",
    "date_ticks",
    "draw_once",
    "label_axes",
    "not_drawn",
    "note",
    "percent_axes",
    "percent_formatter",
    "require",
    "round_width",
    "svg",
    "unstick",
    "write_cells",
]

#: How to install what the pictures need.
INSTALL_HINT = "pip install 'cshealth[plot]'"
#: The note in the middle of a picture with nothing to draw.
NO_DATA = "no data"
#: The colours of what adds (points, MRR) and of what takes away.
UP, DOWN = "#2e7d32", "#c62828"
#: The opacity of a confidence band, filled in its line's colour.
BAND_ALPHA = 0.2


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


def svg(draw: Callable[[Axes], object], *, size: tuple[float, float] = (6.4, 3.6)) -> str:
    """What ``draw`` puts on a new ``Axes``, as an SVG element to inline in HTML.

    The figure is made without pyplot (nothing is registered, shown or left open), laid out
    with constrained layout, and saved with its text as text (``svg.fonttype`` ``'none'``:
    smaller, selectable, in the page's fonts), without a date and with fixed element ids,
    so the same picture gives the same SVG every time. The settings hold for this figure
    only (``rc_context``).

    Args:
        draw: Draws on the ``Axes`` it is given, such as a result's ``plot``.
        size: The figure's width and height in inches; the SVG's ``viewBox`` keeps the
            proportions when a page scales it.

    Returns:
        The ``<svg>`` element, without the XML declaration and doctype.

    Raises:
        MissingDependencyError: When matplotlib is not installed.

    Examples:
        >>> picture = svg(lambda ax: ax.plot([0, 1], [1, 0]))
        >>> picture.startswith("<svg"), picture == svg(lambda ax: ax.plot([0, 1], [1, 0]))
        (True, True)
    """
    require("a picture")
    import matplotlib  # noqa: PLC0415 - the optional extra, only when asked
    from matplotlib.figure import Figure  # noqa: PLC0415

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cshealth"}):
        figure = Figure(figsize=size, layout="constrained")
        draw(figure.add_subplot())
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def note(ax: Axes, text: str = NO_DATA, *, corner: bool = False) -> Axes:
    """Write ``text`` in grey in the middle of ``ax`` (or small in its top right corner).

    Args:
        ax: The ``Axes`` to write on.
        text: What to write (`NO_DATA`: a picture of nothing is not a picture of 0).
        corner: Whether to write in the top right corner rather than in the middle.

    Returns:
        ``ax``.

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> note(ax) is ax, [text.get_text() for text in ax.texts]
        (True, ['no data'])
        >>> note(ax, "2 left out", corner=True).texts[-1].get_position()
        (0.98, 0.97)
    """
    x, y, ha, va = (0.98, 0.97, "right", "top") if corner else (0.5, 0.5, "center", "center")
    size = "small" if corner else None
    ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=size, color="0.45")
    return ax


def not_drawn(ax: Axes, accounts: int, why: str) -> None:
    """Say in the corner of ``ax`` how many accounts are not drawn, and why (none: nothing).

    Args:
        ax: The ``Axes`` to write on.
        accounts: How many accounts the picture leaves out.
        why: What they lack, after the count (``'without baseline usage'``).

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> for accounts in (0, 1, 2):
        ...     not_drawn(ax, accounts, "without a score")
        >>> [text.get_text() for text in ax.texts]
        ['1 account without a score: not drawn', '2 accounts without a score: not drawn']
    """
    if accounts:
        noun = "account" if accounts == 1 else "accounts"
        note(ax, f"{accounts} {noun} {why}: not drawn", corner=True)


def label_axes(ax: Axes, x: str = "", y: str = "") -> None:
    """Name the x axis ``x`` and the y axis ``y``, each unless the caller has named it.

    Args:
        ax: The ``Axes`` to name.
        x: The x axis's name (``''``: leave it).
        y: The y axis's name (``''``: leave it).

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> _ = ax.set_ylabel("mine")
        >>> label_axes(ax, "time", "survival")
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('time', 'mine')
    """
    if x and not ax.get_xlabel():
        ax.set_xlabel(x)
    if y and not ax.get_ylabel():
        ax.set_ylabel(y)


def date_ticks(ax: Axes) -> None:
    """Concise date labels on the x axis (``Sep``, ``Oct``, the year once), unless set.

    Args:
        ax: An ``Axes`` with dates on its x axis.

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> _ = ax.plot(np.array(["2025-09-01", "2025-11-01"], dtype="datetime64[D]"), [1, 2])
        >>> date_ticks(ax)
        >>> type(ax.xaxis.get_major_formatter()).__name__
        'ConciseDateFormatter'
    """
    from matplotlib.dates import AutoDateFormatter, ConciseDateFormatter  # noqa: PLC0415

    if type(ax.xaxis.get_major_formatter()) is AutoDateFormatter:
        # matplotlib.dates carries no annotations: this module is the one place that says so
        concise = ConciseDateFormatter(ax.xaxis.get_major_locator())  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(concise)


def date_numbers(days: NDArray[np.datetime64]) -> FloatArray:
    """``days`` as matplotlib's date numbers (days since ``rcParams['date.epoch']``).

    Args:
        days: The dates (``datetime64`` of any unit), to place on a date axis.

    Examples:
        >>> date_numbers(np.array(["1970-01-02", "1970-01-03T12"], dtype="datetime64[h]"))
        array([1. , 2.5])
    """
    from matplotlib import dates  # noqa: PLC0415 - the optional extra, only when asked

    numbers = dates.date2num(days)  # type: ignore[no-untyped-call]  # not annotated
    return np.atleast_1d(np.asarray(numbers, dtype=np.float64))


def draw_once(
    ax: Axes, gid: str, draw: Callable[..., object], *args: object, **options: object
) -> None:
    """Call ``draw(*args, gid=gid, **options)`` unless a line of ``ax`` has ``gid`` already.

    Args:
        ax: The ``Axes`` the line goes on (a reference line its series share, drawn once).
        gid: The line's id, by which it is found again.
        draw: Draws the line: ``ax.plot``, ``ax.axhline``, ``ax.axline``.
        *args: Passed to ``draw``.
        **options: Passed to ``draw``.

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> for _ in range(2):
        ...     draw_once(ax, "zero", ax.axhline, 0.0, color="0.8")
        >>> [line.get_gid() for line in ax.get_lines()]
        ['zero']
    """
    if not any(line.get_gid() == gid for line in ax.get_lines()):
        draw(*args, gid=gid, **options)


def unstick(bars: Iterable[Artist]) -> None:
    """Let the y axis stick at 0 only, not at the foot of every floating or stacked bar.

    Args:
        bars: Vertical bars (``ax.bar``'s): matplotlib sticks the view at each one's foot.

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> unstick(ax.bar([0, 1], [2.0, 1.0], bottom=[3.0, 5.0]))
        >>> [float(limit) for limit in ax.get_ylim()]  # a margin below 3 as above 6
        [2.85, 6.15]
    """
    for bar in bars:
        bar.sticky_edges.y[:] = [0.0]


def percent_formatter() -> PercentFormatter:
    """``PercentFormatter(xmax=1.0)``: shares as percents, for an axis or a colour bar.

    Examples:
        >>> percent_formatter().format_pct(0.25, display_range=1.0)
        '25%'
    """
    from matplotlib.ticker import PercentFormatter  # noqa: PLC0415 - the optional extra

    return PercentFormatter(xmax=1.0)


def percent_axes(ax: Axes, *, x: bool = False, y: bool = False) -> None:
    """Write the shares on the axes asked as percents (`percent_formatter`).

    Args:
        ax: The ``Axes``.
        x: Whether the x axis holds shares.
        y: Whether the y axis holds shares.

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> percent_axes(ax, y=True)
        >>> [type(axis.get_major_formatter()).__name__ for axis in (ax.xaxis, ax.yaxis)]
        ['ScalarFormatter', 'PercentFormatter']
    """
    for axis, asked in ((ax.xaxis, x), (ax.yaxis, y)):
        if asked:
            axis.set_major_formatter(percent_formatter())


def write_cells(
    ax: Axes, image: AxesImage, values: FloatArray, words: Callable[[int, int, float], str]
) -> None:
    """Write ``words(row, column, value)`` small on each cell of a heatmap with a value.

    Args:
        ax: The ``Axes`` of the heatmap.
        image: The heatmap (``ax.imshow``'s): each text is black or white, whichever reads
            better on its cell's colour (`contrasting`).
        values: The value of each cell (NaN: blank), as ``image`` was drawn from them.
        words: The text of a cell, from its row, its column and its value.

    Examples:
        >>> from matplotlib.figure import Figure
        >>> ax = Figure().add_subplot()
        >>> values = np.array([[0.1, np.nan], [0.9, 0.5]])
        >>> image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0, vmax=1)
        >>> write_cells(ax, image, values, lambda row, column, value: f"{value:.0%}")
        >>> [(t.get_position(), t.get_text(), t.get_color()) for t in ax.texts]
        [((0, 0), '10%', 'white'), ((0, 1), '90%', 'black'), ((1, 1), '50%', 'white')]
    """
    for (row, column), value in np.ndenumerate(values):
        if not np.isnan(value):
            ax.text(
                column,
                row,
                words(row, column, float(value)),
                ha="center",
                va="center",
                fontsize="small",
                color=contrasting(image.cmap(image.norm(value))),
            )


def round_width(least: float) -> float:
    """The narrowest round width, 1, 2, 2.5 or 5 times a power of 10, of at least ``least``.

    Args:
        least: The narrowest width of a histogram's bins allowed (positive).

    Examples:
        >>> round_width(0.5), round_width(0.13), round_width(2.6), round_width(60.0)
        (0.5, 0.2, 5.0, 100.0)
    """
    scale = 10.0 ** np.floor(np.log10(least))
    return float(min(w for w in np.array([1.0, 2.0, 2.5, 5.0, 10.0]) * scale if w >= least))
