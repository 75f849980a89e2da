"""The parts every section shares: `Section`, `Report`, the run context and number formats."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from cshealth._types import DateArray, IdArray
from cshealth.io import Table

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cshealth.scoring import HealthScores


class Drawable(Protocol):
    """A result that draws itself: ``plot(ax=...)`` draws on ``ax``."""

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw on ``ax`` and return it."""


@dataclass(frozen=True)
class Picture:
    """A figure of a section: its caption, and the result that draws it (its ``plot``).

    Drawing waits until the HTML report asks for it, so the text and JSON reports never
    import matplotlib; two pictures are equal when their captions and results are.
    """

    caption: str
    result: Drawable

    def draw(self, ax: Axes) -> None:
        """Draw the result on ``ax``."""
        self.result.plot(ax=ax)


@dataclass(frozen=True)
class Section:
    """One part of a report: a title, lines for people, figures for machines, pictures."""

    title: str
    lines: tuple[str, ...]
    figures: Mapping[str, object] = field(default_factory=dict)
    pictures: tuple[Picture, ...] = ()


@dataclass(frozen=True)
class Report:
    """An overview of a data set as of a date.

    Examples:
        >>> from cshealth._report import describe
        >>> from cshealth.datasets import sample
        >>> report = describe(sample(seed=1, n_accounts=30).tables(), as_of=date(2026, 1, 1))
        >>> report.sections[0].title
        'Tables'
    """

    title: str
    as_of: date
    sections: tuple[Section, ...]

    def to_text(self) -> str:
        """The report as plain text, one block per section."""
        blocks = [self.title, "=" * len(self.title)]
        for section in self.sections:
            blocks.append("")
            blocks.append(section.title)
            blocks.extend(f"  {line}" for line in section.lines)
        return "\n".join(blocks)

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data: the figures of every section."""
        return {
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "sections": {s.title: dict(s.figures) for s in self.sections},
        }


SectionFn = Callable[[Mapping[str, Table], date], Section | None]


#: What the sections of one `describe` run computed that later sections reuse (the health
#: scores and their inputs, the usage trend), so nothing is computed twice; ``None``
#: outside a run, where every section computes only its own figures.
_RUN: ContextVar[dict[str, object] | None] = ContextVar("cshealth_report_run", default=None)


def _keep(name: str, value: object) -> None:
    """Keep ``value`` for the later sections of the current run (if one is running)."""
    run = _RUN.get()
    if run is not None:
        run[name] = value


def _kept(name: str) -> object:
    """What an earlier section of the current run kept as ``name`` (``None``: nothing)."""
    run = _RUN.get()
    return None if run is None else run.get(name)


def _n(value: int | float) -> str:
    return f"{value:,.0f}"


_NONE = np.array(None, dtype=object)


def _distinct(values: IdArray) -> int:
    return len(_counts(values))


def _counts(values: NDArray[np.generic]) -> dict[str, int]:
    present = values[~np.equal(values, _NONE)].astype(str)
    labels, counts = np.unique(present, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return {str(labels[i]): int(counts[i]) for i in order}


def _joined(counts: Mapping[str, int]) -> str:
    return " · ".join(f"{k} {_n(v)}" for k, v in counts.items()) or "none"


def _span(column: DateArray) -> str:
    present = column[~np.isnat(column)]
    if not len(present):
        return "no dates"
    unit: Literal["D", "m"] = "D" if np.datetime_data(present.dtype)[0] == "D" else "m"
    low, high = np.datetime_as_string(np.sort(present)[[0, -1]], unit=unit).tolist()
    return f"{low} to {high}"


@dataclass(frozen=True)
class _Health:
    """The health section's scores and the measures it scored, for the lifecycle section."""

    inputs: object
    scores: HealthScores


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _median(values: np.ndarray) -> float | None:
    present = values[~np.isnan(values)]
    return float(np.median(present)) if len(present) else None


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.0f}%"
