"""`Panel`: one row per account and observation date, with the score then and the outcome.

`cshealth.backtest.panel` builds it; every metric of the backtest reads it through the
same attributes: the row columns ``account_ids``, ``as_of``, ``score``, ``band``,
``churned`` and ``mrr`` (1-D arrays of one length), ``node_scores`` (one such array per
scorecard node), ``bands`` (the band labels, worst first) and the window
(``horizon_days``, ``lead_days``). Observations that are not rows are counted per date:
``censored`` (the window was not over at the data's end, ``until``) and
``churned_in_lead`` (the account left during the lead time, before its window opened).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._result import SHOWN_ROWS, RowsResult
from cshealth._text import align_columns
from cshealth._time import day_list
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, ObjectArray

__all__ = ["Panel", "day_date"]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_date(day: int) -> date:
    """Whole days since 1970-01-01 as a ``date``.

    Examples:
        >>> day_date(0), day_date(31)
        (datetime.date(1970, 1, 1), datetime.date(1970, 2, 1))
    """
    return date.fromordinal(day + _EPOCH_ORDINAL)


@dataclass(frozen=True, eq=False, repr=False)
class Panel(RowsResult):
    """Observations of accounts at fixed dates: the score then, and churn in a later window.

    One row per account that was a customer on an observation date and whose outcome
    window ``(as_of + lead_days, as_of + lead_days + horizon_days]`` was over by the
    data's end; rows are in date order, then in the accounts' order. `panel` builds it
    (see there for the exact rules); ``to_pandas()`` gives the row columns.

    Attributes:
        account_ids: Per row, the account.
        as_of: Per row, the observation date (``datetime64[D]``).
        score: Per row, the account's health score as of that date (NaN: not scored).
        band: Per row, its band label (``None``: not scored).
        churned: Per row, whether the account stopped being a customer within the
            window.
        mrr: Per row, the account's MRR on the observation date (NaN: unknown).
        dates: The observation dates, ascending.
        horizon_days: The length of the outcome window, in days.
        lead_days: The days between the observation date and the window's start.
        bands: The band labels of the scores, worst (lowest scores) first.
        node_scores: Per scorecard node (group or measure), per row, the node's score
            (NaN where the account was not scored, or the node was not in its card).
        censored: Per date, the customers left out because their window ended after
            ``until``: their outcome is not known yet.
        churned_in_lead: Per date, the customers left out because they stopped being
            customers within ``lead_days`` after the date, before their window opened.
        ignored: Per input (``"scores"``, ``"revenue_changes"``), the rows of accounts
            that are not among the accounts given (left out).
        until: The data's end: the last day whose events the data is taken to hold.
        config_hash: The scorecard's hash when every date was scored by one; else
            ``None``.
    """

    account_ids: IdArray
    as_of: NDArray[np.datetime64]
    score: FloatArray
    band: ObjectArray
    churned: BoolArray
    mrr: FloatArray
    dates: tuple[date, ...]
    horizon_days: int = 90
    lead_days: int = 0
    bands: tuple[str, ...] = ()
    node_scores: Mapping[str, FloatArray] = field(default_factory=dict)
    censored: Mapping[date, int] = field(default_factory=dict)
    churned_in_lead: Mapping[date, int] = field(default_factory=dict)
    ignored: Mapping[str, int] = field(default_factory=dict)
    until: date | None = None
    config_hash: str | None = None
    _config_hashes: tuple[str | None, ...] = field(default=(), repr=False, compare=False)

    row_fields = ("account_ids", "as_of", "score", "band", "churned", "mrr")

    def __post_init__(self) -> None:
        lengths = {name: len(getattr(self, name)) for name in self.row_fields}
        lengths.update({f"node_scores[{k!r}]": len(v) for k, v in self.node_scores.items()})
        if len(set(lengths.values())) > 1:
            msg = f"a Panel's row columns must all have one length, got {lengths}"
            raise InvalidInputError(msg)
        super().__post_init__()

    @property
    def n(self) -> int:
        """The number of observations (rows)."""
        return len(self.account_ids)

    @property
    def events(self) -> int:
        """The number of observations whose account churned within its window."""
        return int(self.churned.sum())

    def counts(self) -> dict[date, dict[str, int]]:
        """Per date: observations, churned, unscored, censored and churned in the lead.

        Examples:
            >>> p = Panel(
            ...     account_ids=np.array(["a", "b", "a"], dtype=object),
            ...     as_of=np.array(
            ...         ["2025-01-01", "2025-01-01", "2025-02-01"], dtype="datetime64[D]"
            ...     ),
            ...     score=np.array([20.0, np.nan, 30.0]),
            ...     band=np.array(["red", None, "red"], dtype=object),
            ...     churned=np.array([True, False, False]),
            ...     mrr=np.array([100.0, 50.0, 100.0]),
            ...     dates=(date(2025, 1, 1), date(2025, 2, 1)),
            ...     censored={date(2025, 1, 1): 0, date(2025, 2, 1): 1},
            ... )
            >>> p.counts()[date(2025, 1, 1)]
            {'observations': 2, 'churned': 1, 'unscored': 1, 'censored': 0, 'churned_in_lead': 0}
        """
        day = self.as_of.astype(np.int64)
        unscored = np.isnan(self.score)
        out: dict[date, dict[str, int]] = {}
        for when in self.dates:
            rows = day == np.datetime64(when, "D").astype(np.int64)
            out[when] = {
                "observations": int(rows.sum()),
                "churned": int((rows & self.churned).sum()),
                "unscored": int((rows & unscored).sum()),
                "censored": int(self.censored.get(when, 0)),
                "churned_in_lead": int(self.churned_in_lead.get(when, 0)),
            }
        return out

    def for_dates(self, dates: Iterable[AsOf]) -> Panel:
        """The panel of some of its observation dates: their rows and their counts.

        Args:
            dates: Observation dates of this panel (dates, ISO text, or aware instants
                taken at their UTC day), each at most once.

        Returns:
            A `Panel` of those dates' rows, in the same order; ``config_hash`` is the
            hash of those dates' scores when they share one.

        Raises:
            InvalidInputError: On a date that is not an observation date of the panel,
                a date given twice, or no dates.

        Examples:
            >>> p = Panel(
            ...     account_ids=np.array(["a", "a"], dtype=object),
            ...     as_of=np.array(["2025-01-01", "2025-02-01"], dtype="datetime64[D]"),
            ...     score=np.array([20.0, 30.0]),
            ...     band=np.array(["red", "red"], dtype=object),
            ...     churned=np.array([False, True]),
            ...     mrr=np.array([100.0, 100.0]),
            ...     dates=(date(2025, 1, 1), date(2025, 2, 1)),
            ... )
            >>> later = p.for_dates(["2025-02-01"])
            >>> later.dates, later.churned.tolist()
            ((datetime.date(2025, 2, 1),), [True])
        """
        wanted = _subset(dates, self.dates)
        keep = np.isin(self.as_of, np.array(sorted(wanted), dtype="datetime64[D]"))
        chosen = tuple(d for d in self.dates if d in wanted)
        kept = tuple(h for d, h in zip(self.dates, self._config_hashes) if d in wanted)
        config_hash = self.config_hash
        if kept:  # the hash of each date's scores is known: the subset's own
            config_hash = kept[0] if len(set(kept)) == 1 else None
        return dataclasses.replace(
            self,
            account_ids=self.account_ids[keep],
            as_of=self.as_of[keep],
            score=self.score[keep],
            band=self.band[keep],
            churned=self.churned[keep],
            mrr=self.mrr[keep],
            dates=chosen,
            node_scores={k: v[keep] for k, v in self.node_scores.items()},
            censored={d: n for d, n in self.censored.items() if d in wanted},
            churned_in_lead={d: n for d, n in self.churned_in_lead.items() if d in wanted},
            config_hash=config_hash,
            _config_hashes=kept,
        )

    def format(self) -> str:
        """The window, the totals, and one line per date (the first dates, then a count).

        Examples:
            >>> p = Panel(
            ...     account_ids=np.array(["a", "b"], dtype=object),
            ...     as_of=np.array(["2025-01-01", "2025-01-01"], dtype="datetime64[D]"),
            ...     score=np.array([20.0, 80.0]),
            ...     band=np.array(["red", "green"], dtype=object),
            ...     churned=np.array([True, False]),
            ...     mrr=np.array([100.0, 50.0]),
            ...     dates=(date(2025, 1, 1), date(2025, 2, 1)),
            ...     censored={date(2025, 1, 1): 0, date(2025, 2, 1): 2},
            ...     until=date(2025, 4, 30),
            ... )
            >>> print(p.format())
            Panel: churn within 90 days of each date (after a lead of 0 days); data to 2025-04-30
            2 observations on 2 dates, 1 churned (50.0%), 0 unscored
            left out: 2 censored, 0 churned in the lead
            date       observations churned  rate unscored censored churned in lead
            2025-01-01            2       1 50.0%        0        0               0
            2025-02-01            0       0     -        0        2               0
        """
        counts = self.counts()
        total = self.n
        rate = f"{self.events / total:.1%}" if total else "-"
        head = (
            f"Panel: churn within {self.horizon_days} days of each date (after a lead of "
            f"{self.lead_days} days); data to {self.until if self.until else '-'}"
        )
        summary = (
            f"{total} observations on {len(self.dates)} dates, {self.events} churned ({rate}), "
            f"{int(np.isnan(self.score).sum())} unscored"
        )
        left_out = (
            f"left out: {sum(self.censored.values())} censored, "
            f"{sum(self.churned_in_lead.values())} churned in the lead"
        )
        ignored = {k: v for k, v in self.ignored.items() if v}
        if ignored:
            left_out += "; rows of unknown accounts ignored: " + ", ".join(
                f"{k} {v}" for k, v in ignored.items()
            )
        rows = [_date_line(when, c) for when, c in list(counts.items())[:SHOWN_ROWS]]
        header = ["date", "observations", "churned", "rate", "unscored", "censored"]
        table = align_columns([*header, "churned in lead"], rows, align="<" + ">" * (len(header)))
        more = len(self.dates) - SHOWN_ROWS
        tail = [f"... {more} more dates"] if more > 0 else []
        return "\n".join([head, summary, left_out, table, *tail])

    def __repr__(self) -> str:
        return (
            f"Panel({self.n} observations on {len(self.dates)} dates, {self.events} churned; "
            f"horizon {self.horizon_days} days, lead {self.lead_days} days)"
        )


def _date_line(when: date, counts: Mapping[str, int]) -> list[str]:
    n = counts["observations"]
    rate = f"{counts['churned'] / n:.1%}" if n else "-"
    return [
        str(when),
        str(n),
        str(counts["churned"]),
        rate,
        str(counts["unscored"]),
        str(counts["censored"]),
        str(counts["churned_in_lead"]),
    ]


def _subset(dates: Iterable[AsOf], known: tuple[date, ...]) -> set[date]:
    """The days of ``dates``, each an observation date of the panel."""
    days = [day_date(day) for day in day_list(dates, what="observation date of the panel")]
    unknown = [d for d in days if d not in known]
    if unknown:
        msg = (
            f"`dates` {', '.join(map(str, unknown))} are not observation dates of the panel; "
            f"its dates: {', '.join(map(str, known))}"
        )
        raise InvalidInputError(msg)
    return set(days)
