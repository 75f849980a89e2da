"""Feature adoption per account: adoption rates, depth, breadth and the sticky share.

Definitions (spec §6 [S36]), over the ``window_days`` UTC days before ``as_of``:

* **adoption** of a feature = distinct users who used it / active *eligible* users
  (users with any event in the window, in an account whose plan is entitled to the
  feature; an account that is not entitled gets NaN, not 0);
* **depth** = uses of a feature per user of it (events) or per active user (aggregates,
  whose users are unknown); `FeatureAdoption.depth_basis` says which;
* **breadth** = key features used / key features available to the account's plan;
* **sticky share** = events on features tagged ``sticky`` / all feature events.

The features come from a `FeatureCatalog` (which are key, which are sticky, which plans
are entitled); without one, every feature seen in the data before ``as_of`` is a key
feature available to all. A catalogued run sets aside features the catalog does not
list: they are reported in `FeatureAdoption.unknown_features`, left out of the feature
arrays and of breadth, and still counted among "all feature events" (the denominators of
the sticky share and of events per active user).

Two forms of data are read, told apart by their columns: user-level `UsageEvent` rows
(a ``user_id`` column; vectorised) or account-day `UsageRecord` aggregates, whose
``feature_events`` mappings are flattened in one pass over the records (the data comes
as one Python mapping per record; that pass is the only per-row Python work). Accounts
are listed when they have data before ``as_of``; one without activity in the window has
0 active users, breadth 0 and NaN rates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NoReturn, cast

import numpy as np
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._codes import id_codes
from cshealth._config import Config
from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._result import AccountResult
from cshealth._time import as_instant, to_datetime
from cshealth._types import (
    AsOf,
    BoolArray,
    DataFrameLike,
    FloatArray,
    IdArray,
    IntArray,
    ObjectArray,
)
from cshealth.adoption._usage import (
    account_positions,
    as_of_day,
    counted,
    grouped_codes,
    positions_of,
    read_usage,
)
from cshealth.io import Table
from cshealth.io._read import read_columns
from cshealth.models import Account, UsageEvent
from cshealth.models._base import Label

__all__ = ["Feature", "FeatureAdoption", "FeatureCatalog", "feature_adoption"]

_US_PER_DAY = 86_400_000_000


class Feature(Config):
    """A product feature as adoption measures see it.

    Attributes:
        name: The feature's name, as in the usage data (``"reports"``).
        key: Whether it counts toward breadth of adoption.
        tag: ``'basic'``, ``'sticky'`` (events on it make the sticky share) or ``None``.
        plans: The plans entitled to it; ``None`` means every plan.

    Raises:
        ConfigError: On an empty name or list of plans, an unknown tag or an unknown
            field, naming each.

    Examples:
        >>> Feature(name="api", plans=("growth", "enterprise")).key
        True
    """

    name: Label
    key: bool = True
    tag: Literal["basic", "sticky"] | None = None
    plans: tuple[str, ...] | None = Field(default=None, min_length=1)


class FeatureCatalog(Config):
    """The features an adoption measure knows: key ones, sticky ones, plan entitlements.

    Loads from JSON with `FeatureCatalog.model_validate_json`; immutable and hashable.

    Attributes:
        features: The features, at least one, each name once.

    Raises:
        ConfigError: On a repeated feature name, an empty catalog or a bad feature, naming
            each (``features[1].tag: ...``).

    Examples:
        >>> catalog = FeatureCatalog.model_validate_json(
        ...     '{"features": [{"name": "reports", "tag": "sticky"},'
        ...     ' {"name": "api", "plans": ["enterprise"]}, {"name": "help", "key": false}]}'
        ... )
        >>> catalog.names, catalog.available("smb")
        (('reports', 'api', 'help'), ('reports', 'help'))
        >>> from cshealth import ConfigError
        >>> try:
        ...     FeatureCatalog(features=[{"name": "api"}, {"name": "sso", "tag": "core"}])
        ... except ConfigError as error:
        ...     print(error)
        invalid FeatureCatalog:
          features[1].tag: Input should be 'basic' or 'sticky'
    """

    features: tuple[Feature, ...] = Field(min_length=1)

    @field_validator("features")
    @classmethod
    def _distinct(cls, features: tuple[Feature, ...]) -> tuple[Feature, ...]:
        seen: set[str] = set()
        for feature in features:
            if feature.name in seen:
                raise PydanticCustomError(
                    "duplicate_feature",
                    "feature '{name}' is listed twice; list each feature once",
                    {"name": feature.name},
                )
            seen.add(feature.name)
        return features

    @property
    def names(self) -> tuple[str, ...]:
        """The feature names, in catalog order."""
        return tuple(feature.name for feature in self.features)

    def available(self, plan: str | None) -> tuple[str, ...]:
        """The features a plan is entitled to (all of them for an unknown plan, ``None``)."""
        return tuple(
            f.name for f in self.features if f.plans is None or plan is None or plan in f.plans
        )


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


@dataclass(frozen=True)
class _Counts:
    """What either form of data gives: per account and feature, and per account."""

    ids: ObjectArray
    features: tuple[str, ...]
    unknown: tuple[str, ...]
    users: FloatArray  # (accounts, features); NaN when users are unknown
    uses: IntArray  # (accounts, features)
    active: IntArray
    events: IntArray  # all feature events, catalogued or not


def feature_adoption(
    data: object,
    *,
    as_of: AsOf,
    window_days: int = 28,
    catalog: FeatureCatalog | None = None,
    accounts: object = None,
) -> FeatureAdoption:
    """Adoption, depth, breadth and sticky share of features per account in a window.

    Args:
        data: `UsageEvent` rows (``account_id``, ``user_id``, ``occurred_at``,
            ``feature``) or `UsageRecord` aggregates (``account_id``, ``day``,
            ``active_users``, ``feature_events``): records, a `Table`, a mapping of
            columns or a data frame. A ``user_id`` column means events.
        as_of: A date (its start, UTC) or an aware datetime. The window is the
            ``window_days`` whole UTC days before the day ``as_of`` falls in.
        window_days: Length of the window in days (>= 1).
        catalog: The features, which are key and sticky, and plan entitlements. Without
            one, every feature in the data before ``as_of`` is a key feature for all.
        accounts: The accounts' plans, for entitlements: `Account` records, a `Table` or
            columns with ``id`` and ``plan``, or a mapping ``{account_id: plan}``. An
            account without a known plan is entitled to every feature.

    Returns:
        The `FeatureAdoption`, one row per account with data before ``as_of``.

    Raises:
        InvalidInputError: On bad rows, two usage records of one account on one day, an
            account listed twice in ``accounts``, bad options, a naive ``as_of``, or
            data without its feature column (``feature`` for events,
            ``feature_events`` for aggregates): feature use that was not recorded is not
            zero use.

    Notes:
        From events, for account ``a`` and feature ``f``: ``users[a, f]`` = distinct
        users with an event of ``f`` in the window, ``active[a]`` = distinct users with
        any event, ``adoption = users / active`` when ``a`` is entitled to ``f``,
        ``depth = uses / users``. From aggregates, users are unknown and ``active[a]`` is
        the largest daily (or weekly) ``active_users`` in the window: a lower bound of
        the window's distinct users, so ``depth = uses / active`` is an upper bound.
        ``breadth[a] = |{f key, available to a, used}| / |{f key, available to a}|``;
        ``sticky_share[a] = Σ uses of sticky features / Σ all feature events``.

    Examples:
        Two users at account A, one at B; B's plan has no API:

        >>> from datetime import date
        >>> events = {
        ...     "account_id": ["A", "A", "A", "A", "B"],
        ...     "user_id": ["u1", "u1", "u2", "u2", "u9"],
        ...     "occurred_at": ["2025-05-20T10:00Z"] * 5,
        ...     "feature": ["reports", "api", "reports", None, "reports"],
        ... }
        >>> catalog = FeatureCatalog(
        ...     features=(
        ...         Feature(name="reports", tag="sticky"),
        ...         Feature(name="api", plans=("pro",)),
        ...     )
        ... )
        >>> result = feature_adoption(
        ...     events, as_of=date(2025, 6, 1), catalog=catalog, accounts={"B": "basic"}
        ... )
        >>> result.adoption.tolist()  # A: 2 of 2 used reports, 1 of 2 the API
        [[1.0, 0.5], [1.0, nan]]
        >>> result.breadth.tolist(), result.sticky_share.round(3).tolist()
        ([1.0, 1.0], [0.667, 1.0])
    """
    window = whole_number(window_days, "window_days", low=1, high=MAX_WINDOW_DAYS)
    _check_catalog(catalog)
    instant = as_instant(as_of, "as_of")
    end = as_of_day(instant)
    data = list(data) if isinstance(data, Iterator) else data
    events = _is_events(data)
    counts = (_from_events if events else _from_aggregates)(data, end, window, catalog)
    available = _available(counts, catalog, accounts)
    n_features = len(counts.features)
    key = np.array([f.key for f in catalog.features] if catalog else [True] * n_features, bool)
    sticky = np.array([f.tag == "sticky" for f in catalog.features] if catalog else [], bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        adoption = np.where(available, counts.users / counts.active[:, None], np.nan)
        basis = counts.users if events else counts.active[:, None].astype(np.float64)
        depth = np.where(basis > 0, counts.uses / basis, np.nan)
        offered = (available & key).sum(axis=1)
        breadth = ((counts.uses > 0) & available & key).sum(axis=1) / offered
        sticky_uses = counts.uses[:, sticky].sum(axis=1) if sticky.any() else np.nan
        share = np.where(counts.events > 0, sticky_uses / counts.events, np.nan)
    return FeatureAdoption(
        account_ids=counts.ids,
        features=counts.features,
        users=counts.users,
        uses=counts.uses,
        adoption=np.where(counts.active[:, None] > 0, adoption, np.nan),
        depth=depth,
        available=available,
        breadth=np.where(offered > 0, breadth, np.nan),
        sticky_share=share,
        active_users=counts.active,
        feature_events=counts.events,
        unknown_features=counts.unknown,
        as_of=to_datetime(instant),
        window_days=window,
        source="events" if events else "aggregates",
        depth_basis="feature_users" if events else "active_users",
        catalog=catalog,
    )


def _check_catalog(catalog: object) -> None:
    if catalog is not None and not isinstance(catalog, FeatureCatalog):
        msg = f"`catalog` must be a FeatureCatalog or None, got {type(catalog).__name__}"
        raise InvalidInputError(msg)


def _is_events(data: object) -> bool:
    """Whether ``data`` holds user-level events (a ``user_id`` column), not aggregates."""
    if isinstance(data, Mapping):
        return "user_id" in data
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        frame = cast("DataFrameLike", data)
        return "user_id" in [str(name) for name in cast("Iterable[object]", frame.columns)]
    if isinstance(data, (list, tuple)):
        return bool(data) and isinstance(data[0], UsageEvent)
    return False  # anything else: read_columns names what it accepts


def _feature_index(
    names: ObjectArray, catalog: FeatureCatalog | None
) -> tuple[IntArray, tuple[str, ...], tuple[str, ...]]:
    """Columns for the distinct feature names seen before ``as_of``.

    Returns each name's column (-1: left out), the features (the columns) and the names
    the catalog does not list.
    """
    text = [str(name) for name in names.tolist()]
    if catalog is None:
        features = tuple(sorted(text))
        unknown: tuple[str, ...] = ()
    else:
        features = catalog.names
        unknown = tuple(sorted(set(text) - set(features)))
    column = {name: j for j, name in enumerate(features)}
    return np.array([column.get(name, -1) for name in text], dtype=np.int64), features, unknown


def _from_events(data: object, end: int, window: int, catalog: FeatureCatalog | None) -> _Counts:
    table = read_columns(
        data, UsageEvent, need=["account_id", "user_id", "occurred_at"], optional=["feature"]
    )
    if "feature" not in table:
        _no_features("events", "feature")
    days = table["occurred_at"].astype(np.int64) // _US_PER_DAY
    before = days < end
    table, days = table.take(before), days[before]
    codes, k = grouped_codes(table["account_id"])
    rows, ids = account_positions(table["account_id"], codes, k)
    feature_codes, names = _feature_codes(table)
    index, features, unknown = _feature_index(names, catalog)
    inside = days >= end - window
    rows, feature_codes = rows[inside], feature_codes[inside]
    users, _ = id_codes(table["user_id"][inside])
    column = np.append(index, -1)[feature_codes]  # code -1 (no feature) takes the last
    n_accounts, n_features = len(ids), len(features)
    people, person = np.unique(rows * (users.max(initial=0) + 1) + users, return_inverse=True)
    account_of = people // (users.max(initial=0) + 1)
    active = np.bincount(account_of, minlength=n_accounts)
    known = column >= 0
    pairs = np.unique(person[known] * n_features + column[known])
    cells = account_of[pairs // max(n_features, 1)] * n_features + pairs % max(n_features, 1)
    shape = (n_accounts, n_features)
    return _Counts(
        ids=ids,
        features=features,
        unknown=unknown,
        users=_count(cells, n_accounts * n_features, shape).astype(np.float64),
        uses=_count(rows[known] * n_features + column[known], n_accounts * n_features, shape),
        active=active,
        events=np.bincount(rows[feature_codes >= 0], minlength=n_accounts),
    )


def _no_features(data: str, column: str) -> NoReturn:
    """Refuse data without its feature column: no feature use was measured, not none."""
    msg = (
        f"feature adoption counts the {data}' `{column}` column, which they do not have: "
        "without it no feature use was measured (it is not zero use); count active users "
        f"with `active_users`, or pass data with a `{column}` column"
    )
    raise InvalidInputError(msg)


def _feature_codes(table: Table) -> tuple[IntArray, ObjectArray]:
    """A code per event's feature (-1: none) and the feature name of each code."""
    codes, k = id_codes(table["feature"])
    names = np.empty(k, dtype=object)
    names[codes[codes >= 0]] = table["feature"][codes >= 0]
    return codes, names


def _count(cells: IntArray, size: int, shape: tuple[int, int]) -> IntArray:
    return np.bincount(cells, minlength=size).reshape(shape).astype(np.int64)


def _from_aggregates(
    data: object, end: int, window: int, catalog: FeatureCatalog | None
) -> _Counts:
    usage = read_usage(data, ["active_users", "feature_events"], end)
    if "feature_events" in usage.absent:
        _no_features("usage records", "feature_events")
    mappings = cast("list[Mapping[str, int]]", usage.table["feature_events"].tolist())
    sizes = np.fromiter(map(len, mappings), dtype=np.int64, count=len(mappings))
    # The one pass over the records: their mappings, flattened (keys, then counts).
    keys = np.array(list(itertools.chain.from_iterable(mappings)), dtype=object)
    counts = np.fromiter(
        itertools.chain.from_iterable(m.values() for m in mappings), np.int64, len(keys)
    )
    record = np.repeat(np.arange(len(mappings)), sizes)
    name_codes, n_names = id_codes(keys)
    names = np.empty(n_names, dtype=object)
    names[name_codes] = keys
    index, features, unknown = _feature_index(names, catalog)
    inside = usage.days >= end - window
    n_accounts, n_features = len(usage.ids), len(features)
    active = np.zeros(n_accounts, dtype=np.int64)
    np.maximum.at(active, usage.rows[inside], usage.table["active_users"][inside])
    in_window = inside[record]
    account = usage.rows[record]
    column = index[name_codes]
    known = in_window & (column >= 0)
    cells = account[known] * n_features + column[known]
    uses = np.bincount(cells, weights=counts[known], minlength=n_accounts * n_features)
    events = np.bincount(account[in_window], weights=counts[in_window], minlength=n_accounts)
    return _Counts(
        ids=usage.ids,
        features=features,
        unknown=unknown,
        users=np.full((n_accounts, n_features), np.nan),
        uses=uses.reshape(n_accounts, n_features).astype(np.int64),
        active=active,
        events=events.astype(np.int64),
    )


def _available(counts: _Counts, catalog: FeatureCatalog | None, accounts: object) -> BoolArray:
    """Whether each account's plan is entitled to each feature."""
    shape = (len(counts.ids), len(counts.features))
    if catalog is None or accounts is None:
        return np.ones(shape, dtype=bool)
    plans = _plans(accounts, counts.ids)
    known = np.array([plan is not None for plan in plans.tolist()], dtype=bool)
    available = np.ones(shape, dtype=bool)
    for j, feature in enumerate(catalog.features):
        if feature.plans is not None:
            entitled = np.isin(plans, np.array(feature.plans, dtype=object))
            available[:, j] = ~known | entitled
    return available


def _plans(accounts: object, ids: ObjectArray) -> ObjectArray:
    """Each account's plan (``None`` when unknown), aligned with ``ids``."""
    if (
        isinstance(accounts, Mapping)
        and not isinstance(accounts, Table)
        and all(v is None or isinstance(v, str) for v in accounts.values())
    ):
        keys = np.array([str(key) for key in accounts], dtype=object)
        values = np.array(list(accounts.values()), dtype=object)
    else:
        table = read_columns(accounts, Account, need=["id"], optional=["plan"])
        keys = table["id"]
        values = table["plan"] if "plan" in table else np.full(table.n_rows, None, object)
    where = positions_of(keys, ids, "accounts")
    plans = np.full(len(ids), None, dtype=object)
    plans[where >= 0] = values[where[where >= 0]]
    return plans
