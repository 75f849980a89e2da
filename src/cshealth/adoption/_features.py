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

The catalog is in `cshealth.adoption._feature_catalog`, the counting of either form in
`cshealth.adoption._features_counts`, the result in `cshealth.adoption._features_result`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, ObjectArray
from cshealth.adoption._feature_catalog import FeatureCatalog, _check_catalog
from cshealth.adoption._features_counts import _Counts, _from_aggregates, _from_events, _is_events
from cshealth.adoption._features_result import FeatureAdoption
from cshealth.adoption._usage import USAGE_IDS, as_of_day
from cshealth.io import Table
from cshealth.io._read import positions_of, read_columns
from cshealth.models import Account

__all__ = ["feature_adoption"]


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
        >>> from cshealth.adoption import Feature, FeatureCatalog
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
    where = positions_of(keys, ids, keys_name="accounts", values_name=USAGE_IDS)
    plans = np.full(len(ids), None, dtype=object)
    plans[where >= 0] = values[where[where >= 0]]
    return plans
