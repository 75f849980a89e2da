"""`FeatureAdoption`: the result of `feature_adoption`, per account and per feature.

The 2-D arrays have a row per account and a column per feature (adoption, depth, users,
uses, entitlement); breadth, the sticky share, active users and feature events are per
account. `FeatureAdoption.to_measures` gives the per-account columns a health score
reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from cshealth._measures import MeasureTable
from cshealth._result import AccountResult
from cshealth._time import as_instant
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray
from cshealth.adoption._feature_catalog import FeatureCatalog
from cshealth.adoption._usage import counted

__all__ = ["FeatureAdoption"]


@dataclass(frozen=True, eq=False, repr=False)
class FeatureAdoption(AccountResult):
    """Feature adoption per account and feature, and breadth and sticky share per account.

    Rows are accounts (ascending, those with data before ``as_of``), columns of the 2-D
    arrays are `features`. Arrays are read-only; NaN marks an undefined value. ``len()``
    counts the accounts, `row` finds one, and `to_pandas` gives the per-account columns
    (not the 2-D arrays of accounts by features).

    Attributes:
        account_ids: The accounts (``object`` array, ascending).
        features: The features (the catalog's, in its order; else the ones seen, sorted).
        users: Distinct users of each feature in the window (NaN for aggregates: unknown).
        uses: Events of each feature in the window.
        adoption: ``users / active_users`` where the account's plan is entitled to the
            feature; NaN where it is not, without active users, or for aggregates.
        depth: ``uses / users`` (events) or ``uses / active_users`` (aggregates), per
            `depth_basis`; NaN when the denominator is 0.
        available: Whether the account's plan is entitled to each feature.
        breadth: Key features used / key features available; NaN when none is available.
        sticky_share: Events on sticky features / all feature events; NaN without feature
            events or when no feature is tagged sticky.
        active_users: Users with any event in the window (events); for aggregates the
            largest ``active_users`` of the window's records, a lower bound of the distinct
            users of the window.
        feature_events: All feature events in the window, catalogued or not.
        unknown_features: Features in the data that the catalog does not list (sorted).
        as_of: The instant the measures are taken at (UTC).
        window_days: The window, in whole UTC days before the day of ``as_of``.
        source: ``'events'`` or ``'aggregates'``: the form of the data read.
        depth_basis: ``'feature_users'`` or ``'active_users'``: the denominator of depth.
        catalog: The `FeatureCatalog` used, or ``None``.

    Examples:
        >>> from datetime import date
        >>> from cshealth.adoption import feature_adoption
        >>> weekly = {
        ...     "account_id": ["A", "A"],
        ...     "day": ["2025-05-12", "2025-05-19"],
        ...     "active_users": [4, 5],
        ...     "feature_events": [{"reports": 6}, {"reports": 4, "api": 5}],
        ... }
        >>> result = feature_adoption(weekly, as_of=date(2025, 6, 1))
        >>> result.features, result.uses.tolist(), result.depth.tolist()
        (('api', 'reports'), [[5, 10]], [[1.0, 2.0]])
    """

    account_ids: IdArray
    features: tuple[str, ...]
    users: FloatArray
    uses: IntArray
    adoption: FloatArray
    depth: FloatArray
    available: BoolArray
    breadth: FloatArray
    sticky_share: FloatArray
    active_users: IntArray
    feature_events: IntArray
    unknown_features: tuple[str, ...]
    as_of: datetime
    window_days: int
    source: Literal["events", "aggregates"]
    depth_basis: Literal["feature_users", "active_users"]
    catalog: FeatureCatalog | None

    @property
    def events_per_active_user(self) -> FloatArray:
        """All feature events per active user; NaN without active users.

        From aggregates the active users are a lower bound, so this is an upper bound.
        """
        with np.errstate(invalid="ignore", divide="ignore"):
            per_user = self.feature_events / self.active_users
        return np.where(self.active_users > 0, per_user, np.nan)

    def to_measures(self) -> MeasureTable:
        """The per-account measures a health score reads, as a `MeasureTable`.

        Columns: ``feature_breadth``, ``sticky_share``, ``events_per_active_user`` and,
        from user-level events (where users are known), ``adoption_<feature>`` for each
        feature (source ``'adoption'``).
        """
        measures: dict[str, FloatArray] = {
            "feature_breadth": self.breadth,
            "sticky_share": self.sticky_share,
            "events_per_active_user": self.events_per_active_user,
        }
        if self.source == "events":
            for j, name in enumerate(self.features):
                measures[f"adoption_{name}"] = self.adoption[:, j]
        return MeasureTable(
            self.account_ids, measures, as_of=as_instant(self.as_of), source="adoption"
        )

    def __repr__(self) -> str:
        head = (
            f"FeatureAdoption({self.source}: {counted(len(self), 'account')} x "
            f"{counted(len(self.features), 'feature')}, {self.window_days} days before "
            f"{self.as_of.date()}"
        )
        if self.unknown_features:
            head += f", not in the catalog: {list(self.unknown_features)}"
        if not len(self):
            return head + ")"
        lines = [f"  {'feature':<16} {'accounts using':>14} {'median adoption':>16}"]
        for j, name in enumerate(self.features):
            using = int(np.sum(self.uses[:, j] > 0))
            rates = self.adoption[:, j][~np.isnan(self.adoption[:, j])]
            median = f"{np.median(rates):.0%}" if len(rates) else "-"
            lines.append(f"  {name:<16} {using:>14} {median:>16}")
        breadth = self.breadth[~np.isnan(self.breadth)]
        shown = f"{np.median(breadth):.2f}" if len(breadth) else "-"
        return head + f"; median breadth {shown}\n" + "\n".join(lines) + ")"
