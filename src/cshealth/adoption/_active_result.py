"""The result of `active_users`: active users, stickiness and seats per account.

`ActiveUsers` holds one row per account (DAU, WAU, MAU, the mean DAU, stickiness, the
L28 histogram, the daily counts and seat utilisation), with the per-account measures a
health score reads (`ActiveUsers.to_measures`) and a picture over the window's days
(`ActiveUsers.plot`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np

from cshealth._measures import MeasureTable
from cshealth._plot import axes
from cshealth._result import AccountResult
from cshealth._stats import Rate
from cshealth._time import as_instant
from cshealth._types import FloatArray, IdArray, IntArray
from cshealth.adoption._active_plot import ActiveDays, draw_active

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ActiveUsers"]

_MEASURES = ("dau", "wau", "mau", "mean_dau", "dau_mau", "wau_mau", "seats", "seat_utilisation")


@dataclass(frozen=True, eq=False, repr=False)
class ActiveUsers(AccountResult):
    """Active users per account over the complete local days before ``as_of``.

    One row per account, sorted by id; every array is aligned with `account_ids` and
    read-only. Ratios are NaN where their denominator is 0 (or ``seats`` unknown).
    ``len()`` counts the accounts, `row` finds one, `to_pandas` gives the per-account
    columns (all but the per-day arrays `l28` and `daily`), and `plot` draws the daily
    active users with WAU, MAU and stickiness.

    Attributes:
        account_ids: The accounts (``object`` array of text, ascending).
        dau: Distinct users active on the window's last day.
        wau: Distinct users active on its last 7 days.
        mau: Distinct users active on any of its days.
        mean_dau: The average over the window's days of the daily distinct users.
        dau_mau: Stickiness, ``mean_dau / mau`` (NaN when ``mau == 0``).
        wau_mau: ``wau / mau`` (NaN when ``mau == 0``).
        l28: ``(accounts, window_days)`` counts: ``l28[a, k - 1]`` users of account ``a``
            active on exactly ``k`` distinct days of the window.
        daily: ``(accounts, window_days)`` distinct users active per day of the window,
            oldest day first (so ``daily[:, -1]`` is `dau`).
        seats: Licensed seats (NaN when unknown).
        seat_utilisation: ``mau / seats`` (NaN when seats are unknown or 0; above 1 when
            more users are active than seats are licensed).
        as_of: The end of the window (UTC): events at or after it are not seen.
        first_day: The window's first local day.
        last_day: The window's last local day (the day before ``as_of``'s local day).
        window_days: Days in the window.
        timezone: The IANA zone whose calendar days are counted.
        features: The features whose events qualify, or ``None`` for every event.

    Examples:
        >>> from datetime import date
        >>> from cshealth.adoption import active_users
        >>> res = active_users(
        ...     {
        ...         "account_id": ["A", "A", "B"],
        ...         "user_id": ["ana", "bo", "cy"],
        ...         "occurred_at": ["2025-12-31T09:00Z", "2025-12-30T09:00Z", "2025-12-01T09:00Z"],
        ...     },
        ...     as_of=date(2026, 1, 1),
        ...     window_days=7,
        ... )
        >>> res  # B's only event is before the window: B is not listed
        ActiveUsers(1 account, 7 days 2025-12-25..2025-12-31 (UTC);
          account_id        dau    wau    mau  dau/mau  seats
          A                   1      2      2     0.14      -)
        >>> res.daily.tolist()  # Bo on the 30th, Ana on the 31st
        [[0, 0, 0, 0, 0, 1, 1]]
    """

    account_ids: IdArray
    dau: IntArray
    wau: IntArray
    mau: IntArray
    mean_dau: FloatArray
    dau_mau: FloatArray
    wau_mau: FloatArray
    l28: IntArray
    daily: IntArray
    seats: FloatArray
    seat_utilisation: FloatArray
    as_of: datetime
    first_day: date
    last_day: date
    window_days: int
    timezone: str
    features: tuple[str, ...] | None

    def histogram(self, account_id: object | None = None) -> tuple[IntArray, FloatArray]:
        """The L28 histogram: users active on exactly ``k`` days, ``k = 1..window_days``.

        Args:
            account_id: One account, or ``None`` for the sum over all accounts.

        Returns:
            ``(counts, shares)``: ``counts[k - 1]`` users active on ``k`` days, and
            ``shares = counts / counts.sum()``; shares are all NaN when no user was
            active (no share of nobody).

        Raises:
            AccountNotFoundError: If the account is not in the result.

        Examples:
            >>> from datetime import date
            >>> from cshealth.adoption import active_users
            >>> res = active_users(
            ...     {
            ...         "account_id": ["A", "A", "A"],
            ...         "user_id": ["ana", "ana", "bo"],
            ...         "occurred_at": [
            ...             "2025-12-30T09:00Z",
            ...             "2025-12-31T09:00Z",
            ...             "2025-12-31T10:00Z",
            ...         ],
            ...     },
            ...     as_of=date(2026, 1, 1),
            ...     window_days=7,
            ... )
            >>> counts, shares = res.histogram("A")  # Bo on 1 day, Ana on 2
            >>> counts.tolist(), shares.round(2).tolist()
            ([1, 1, 0, 0, 0, 0, 0], [0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0])
        """
        counts = self.l28.sum(axis=0) if account_id is None else self.l28[self.row(account_id)]
        total = int(counts.sum())
        shares = counts / total if total else np.full(self.window_days, np.nan)
        return counts.astype(np.int64), shares

    def stickiness(self, account_id: object) -> Rate:
        """One account's stickiness as a `Rate`: active user-days of possible user-days.

        ``mean_dau / mau = Σ_d DAU_d / (window_days · mau)``: of the ``window_days``
        days each of the ``mau`` users could have been active, the share they were.
        Its statistic is ``None`` when ``mau == 0``. Its Wilson interval treats the
        user-days as independent, which they are not (a user's days go together), so
        it understates the uncertainty.

        Raises:
            AccountNotFoundError: If the account is not in the result.

        Examples:
            >>> from datetime import date
            >>> from cshealth.adoption import active_users
            >>> res = active_users(
            ...     {
            ...         "account_id": ["A", "A", "A"],
            ...         "user_id": ["ana", "ana", "bo"],
            ...         "occurred_at": [
            ...             "2025-12-30T09:00Z",
            ...             "2025-12-31T09:00Z",
            ...             "2025-12-31T10:00Z",
            ...         ],
            ...     },
            ...     as_of=date(2026, 1, 1),
            ...     window_days=7,
            ... )
            >>> res.stickiness("A")  # 3 active user-days of 2 users x 7 days
            Rate(0.2143, 3 of 14)
        """
        i = self.row(account_id)
        return Rate(int(self.daily[i].sum()), self.window_days * int(self.mau[i]))

    def plot(
        self,
        ax: Axes | None = None,
        *,
        account: object | None = None,
        stickiness: bool = True,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the active users of the window day by day, with WAU, MAU and stickiness.

        DAU is a point on each local day of the window (real dates on x, in the
        result's `timezone`), joined by a line. WAU is a dashed level across the last
        7 days and MAU a dotted one across the whole window: each is one number over
        the days it counts, as the result holds no WAU or MAU of earlier days. With
        ``stickiness``, a right y axis in percent is the left one divided by MAU (both
        start at 0), so each day's DAU reads on it as that day's DAU/MAU; the
        stickiness, mean DAU / MAU (`dau_mau`), is a dash-dot level on it, through the
        middle of the DAU line. Without any active user there is no stickiness to draw
        (0 / 0), and no right axis. Without ``account``, the counts are summed over the
        accounts (a user is counted within each account, as `active_users` counts).
        A result without accounts draws the note "no data". Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            account: The account to draw, by the identifier rule; ``None`` for the sum
                over all accounts.
            stickiness: Whether to draw the right axis and the stickiness on it. The
                right axis is scaled to this MAU, so draw one series per ``Axes`` with
                it, and several (accounts, say) with ``stickiness=False``.
            label: Put before each legend entry (``'A: DAU'``), to tell series apart.
            **style: Passed to the DAU line (``color``, ``marker``, ...); the levels
                take its colour.

        Returns:
            The ``Axes`` drawn on (the left one; the right one is its twin).

        Raises:
            AccountNotFoundError: When ``account`` is not in the result.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.adoption import active_users
            >>> events = {
            ...     "account_id": ["A", "A", "A"],
            ...     "user_id": ["ana", "ana", "bo"],
            ...     "occurred_at": ["2025-12-30T09:00Z", "2025-12-31T09:00Z", "2025-12-31T10:00Z"],
            ... }
            >>> res = active_users(events, as_of=date(2026, 1, 1), window_days=7)
            >>> ax = res.plot()
            >>> dau, wau, mau = ax.get_lines()
            >>> dau.get_xdata()[[0, -1]].astype(str).tolist(), dau.get_ydata().tolist()
            (['2025-12-25', '2025-12-31'], [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0])
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['DAU', 'WAU (last 7 days)', 'MAU (7 days)', 'DAU/MAU 21.4% (mean DAU / MAU)']
            >>> plt.close(ax.figure)
        """
        if account is None:
            daily, wau, mau = self.daily.sum(axis=0), int(self.wau.sum()), int(self.mau.sum())
        else:
            i = self.row(account)
            daily, wau, mau = self.daily[i], int(self.wau[i]), int(self.mau[i])
        shown = self.window_days if len(self) else 0
        days = (np.datetime64(self.first_day, "D") + np.arange(shown)).astype("datetime64[D]")
        active = ActiveDays(days, daily.astype(np.float64), wau, mau, self.timezone)
        return draw_active(axes(ax), active, stickiness=stickiness, label=label, style=style)

    def to_measures(self) -> MeasureTable:
        """The per-account measures a health score reads, as a `MeasureTable`.

        Columns: ``dau``, ``wau``, ``mau``, ``mean_dau``, ``dau_mau``, ``wau_mau``,
        ``seats`` and ``seat_utilisation`` (``source="adoption"``).

        Examples:
            >>> from cshealth.adoption import active_users
            >>> events = {
            ...     "account_id": ["A", "A", "B"],
            ...     "user_id": ["u1", "u2", "u3"],
            ...     "occurred_at": ["2025-12-31T10:00Z", "2025-12-20T10:00Z", "2025-12-31T11:00Z"],
            ... }
            >>> table = active_users(events, as_of=date(2026, 1, 1)).to_measures()
            >>> table["mau"].tolist(), table["dau"].tolist()
            ([2, 1], [1, 1])
        """
        return MeasureTable(
            self.account_ids,
            {name: getattr(self, name) for name in _MEASURES},
            as_of=as_instant(self.as_of),
            source="adoption",
        )

    def __repr__(self) -> str:
        head = (
            f"ActiveUsers({len(self)} account{'' if len(self) == 1 else 's'}, "
            f"{self.window_days} days "
            f"{self.first_day}..{self.last_day} ({self.timezone})"
        )
        if not len(self):
            return head + ")"
        lines = [
            f"  {'account_id':<14} {'dau':>6} {'wau':>6} {'mau':>6} {'dau/mau':>8} {'seats':>6}"
        ]
        lines.extend(
            f"  {self.account_ids[i]!s:<14} {self.dau[i]:>6} {self.wau[i]:>6} "
            f"{self.mau[i]:>6} {_shown(self.dau_mau[i]):>8} {_shown(self.seats[i], 0):>6}"
            for i in range(min(len(self), 5))
        )
        if len(self) > 5:
            lines.append(f"  ... {len(self) - 5} more")
        return head + ";\n" + "\n".join(lines) + ")"


def _shown(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"
