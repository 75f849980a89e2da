"""Feature adoption against hand-worked examples and plain-Python references.

References: small examples worked by hand (arithmetic in comments), and `reference_events`
/ `reference_aggregates`, dict-and-set implementations that walk the rows one by one
(the kernel uses codes, `numpy.unique` and `numpy.bincount`), compared on random data.
"""

from __future__ import annotations

import json
import math
import pickle
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.validation import field_of

from cshealth import (
    Account,
    AccountNotFoundError,
    ConfigError,
    InvalidInputError,
    Table,
    UsageEvent,
    UsageRecord,
    to_columns,
)
from cshealth.adoption._feature_catalog import Feature, FeatureCatalog
from cshealth.adoption._features import feature_adoption

UTC = timezone.utc
AS_OF = date(2025, 6, 1)  # window_days 28: [2025-05-04, 2025-06-01)

CATALOG = FeatureCatalog(
    features=(
        Feature(name="reports", tag="sticky"),
        Feature(name="dashboards", tag="sticky"),
        Feature(name="api", plans=("pro", "enterprise")),
        Feature(name="help", key=False, tag="basic"),
    )
)


def events(*rows: tuple) -> dict:
    return {
        "account_id": [r[0] for r in rows],
        "user_id": [r[1] for r in rows],
        "occurred_at": [r[2] for r in rows],
        "feature": [r[3] for r in rows],
    }


# --- events: the hand-worked example ---------------------------------------------------------
# A (plan pro): users a1, a2, a3 active in the window.
#   reports: a1 x2, a2 x1 -> users 2, uses 3, adoption 2/3, depth 3/2
#   api: a1 x4 -> users 1, uses 4, adoption 1/3, depth 4
#   help: a3 x1 (not key) -> users 1, uses 1
#   "beta" (not catalogued): a3 x2 -> unknown; counts among all feature events
#   key features used: reports, api of reports, dashboards, api -> breadth 2/3
#   sticky events: reports 3 of all feature events 3 + 4 + 1 + 2 = 10 -> 0.3
# B (plan basic: no api): u1 only; a plain visit (feature None) and dashboards x2
#   active 1; dashboards users 1 -> adoption 1; api not available -> NaN
#   breadth: dashboards of reports, dashboards -> 1/2; sticky 2/2 = 1
#   an api event from B still counts as a use (adoption stays NaN: not entitled)
# C: events only before the window -> active 0, breadth 0, adoption NaN, sticky NaN
# D: events only on or after as_of -> not listed
HAND = events(
    ("A", "a1", "2025-05-10T09:00Z", "reports"),
    ("A", "a1", "2025-05-11T09:00Z", "reports"),
    ("A", "a2", "2025-05-31T23:59Z", "reports"),
    ("A", "a1", "2025-05-04T00:00Z", "api"),  # the first instant of the window
    ("A", "a1", "2025-05-20T09:00Z", "api"),
    ("A", "a1", "2025-05-20T09:00Z", "api"),  # the same instant twice: two events
    ("A", "a1", "2025-05-21T09:00Z", "api"),
    ("A", "a3", "2025-05-22T09:00Z", "help"),
    ("A", "a3", "2025-05-22T09:00Z", "beta"),
    ("A", "a3", "2025-05-23T09:00Z", "beta"),
    ("A", "a9", "2025-05-03T23:59Z", "reports"),  # the day before the window
    ("B", "u1", "2025-05-15T09:00Z", None),
    ("B", "u1", "2025-05-16T09:00Z", "dashboards"),
    ("B", "u1", "2025-05-16T10:00Z", "dashboards"),
    ("C", "c1", "2025-01-16T10:00Z", "reports"),
    ("D", "d1", "2025-06-01T00:00Z", "reports"),
)
PLANS = {"A": "pro", "B": "basic"}


def test_events_hand_worked_example():
    r = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=PLANS)
    assert r.source == "events"
    assert r.depth_basis == "feature_users"
    assert r.account_ids.tolist() == ["A", "B", "C"]
    assert r.features == ("reports", "dashboards", "api", "help")
    assert r.unknown_features == ("beta",)
    assert r.active_users.tolist() == [3, 1, 0]
    np.testing.assert_array_equal(r.users, [[2, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(r.uses, [[3, 0, 4, 1], [0, 2, 0, 0], [0, 0, 0, 0]])
    nan = np.nan
    np.testing.assert_allclose(
        r.adoption, [[2 / 3, 0, 1 / 3, 1 / 3], [0, 1, nan, 0], [nan, nan, nan, nan]]
    )
    np.testing.assert_allclose(r.depth, [[1.5, nan, 4, 1], [nan, 2, nan, nan], [nan] * 4])
    np.testing.assert_allclose(r.breadth, [2 / 3, 1 / 2, 0])
    np.testing.assert_allclose(r.sticky_share, [0.3, 1.0, nan])
    assert r.feature_events.tolist() == [10, 2, 0]
    np.testing.assert_allclose(r.events_per_active_user, [10 / 3, 2, nan])
    assert r.available[1].tolist() == [True, True, False, True]


def test_uses_of_a_feature_the_plan_lacks_count_but_adoption_is_nan():
    data = events(
        ("B", "u1", "2025-05-16T09:00Z", "api"), ("B", "u2", "2025-05-16T09:00Z", "reports")
    )
    r = feature_adoption(data, as_of=AS_OF, catalog=CATALOG, accounts=PLANS)
    assert r.uses[0, 2] == 1
    assert r.users[0, 2] == 1
    assert math.isnan(r.adoption[0, 2])
    assert r.breadth[0] == 0.5  # reports of reports, dashboards: api is not available


def test_without_catalog_every_feature_seen_is_key_for_all():
    r = feature_adoption(HAND, as_of=AS_OF)
    # seen before as_of (C's reports before the window counts; D's are after as_of)
    assert r.features == ("api", "beta", "dashboards", "help", "reports")
    assert r.unknown_features == ()
    # A used api, beta, help, reports: 4 of 5; B dashboards: 1 of 5; C none
    np.testing.assert_allclose(r.breadth, [0.8, 0.2, 0.0])
    assert np.isnan(r.sticky_share).all()  # nothing is tagged sticky
    np.testing.assert_allclose(r.adoption[1], [0, 0, 1, 0, 0])  # plans do not matter


def test_plans_from_account_records_tables_and_frames():
    accounts = [
        Account(id="A", name="A", start_date=date(2024, 1, 1), plan="pro"),
        Account(id="B", name="B", start_date=date(2024, 1, 1), plan="basic"),
        Account(id="C", name="C", start_date=date(2024, 1, 1)),  # plan unknown: all
    ]
    expected = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=PLANS)
    frame = pd.DataFrame({"id": ["A", "B", "C"], "plan": ["pro", "basic", None]})
    for given_accounts in (accounts, Table(frame.to_dict("list")), frame, iter(accounts)):
        r = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=given_accounts)
        np.testing.assert_array_equal(r.available, expected.available)
        np.testing.assert_array_equal(r.breadth, expected.breadth)
    # no plan column: every plan unknown, so every feature is available
    r = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts={"id": ["A", "B"]})
    assert r.available.all()
    # an account missing from `accounts` is entitled to everything
    r = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts={"A": "basic"})
    assert r.available.tolist()[0] == [True, True, False, True]
    assert r.available[1:].all()


def test_accounts_listed_twice_are_refused():
    twice = {"id": ["A", "A"], "plan": ["pro", "basic"]}
    with pytest.raises(InvalidInputError, match="accounts: account 'A' is listed twice"):
        feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=twice)


def test_event_records_frames_and_iterators_read_alike():
    records = [
        UsageEvent(account_id=a, user_id=u, occurred_at=datetime.fromisoformat(t), feature=f)
        for a, u, t, f in zip(*HAND.values())
    ]
    expected = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG)
    for data in (records, iter(records), pd.DataFrame(HAND), Table(HAND), tuple(records)):
        r = feature_adoption(data, as_of=AS_OF, catalog=CATALOG)
        assert r.source == "events"
        np.testing.assert_array_equal(r.uses, expected.uses)
        np.testing.assert_array_equal(r.users, expected.users)


def test_events_without_any_feature_use():
    # The column is there and says no event was a feature use: a measured "none".
    data = {**HAND, "feature": [None] * len(HAND["feature"])}
    r = feature_adoption(data, as_of=AS_OF)
    assert r.features == ()
    assert r.active_users.tolist() == [3, 1, 0]
    assert np.isnan(r.breadth).all()  # no feature is available
    assert r.events_per_active_user.tolist()[:2] == [0.0, 0.0]
    assert r.to_measures().measures == ("feature_breadth", "sticky_share", "events_per_active_user")


@pytest.mark.parametrize("catalog", [None, CATALOG])
def test_data_without_its_feature_column_is_refused(catalog):
    # Without the column no feature use was recorded: not zero use. Before, the events
    # gave 0 events per active user and, with a catalog, a breadth of 0.
    no_feature = {k: v for k, v in HAND.items() if k != "feature"}
    with pytest.raises(InvalidInputError, match="events' `feature` column, which they do not"):
        feature_adoption(no_feature, as_of=AS_OF, catalog=catalog)
    no_events = {k: v for k, v in AGGREGATES.items() if k != "feature_events"}
    with pytest.raises(InvalidInputError, match="records' `feature_events` column"):
        feature_adoption(no_events, as_of=AS_OF, catalog=catalog)
    # a Table read from a file without the column holds it filled, and marked absent
    loaded = to_columns(no_events, UsageRecord)
    assert "feature_events" in loaded.absent
    with pytest.raises(InvalidInputError, match="`feature_events` column"):
        feature_adoption(loaded, as_of=AS_OF, catalog=catalog)


def test_mid_day_as_of_sees_whole_days_only():
    # as_of 2025-05-31T12:00Z: the window is [05-03, 05-31); a2's 05-31 event is not seen,
    # a9's 05-03 event is
    r = feature_adoption(HAND, as_of=datetime(2025, 5, 31, 12, tzinfo=UTC), catalog=CATALOG)
    assert r.users[0, 0] == 2  # a1 and a9
    assert r.uses[0, 0] == 3


# --- aggregates: the hand-worked example -----------------------------------------------------
# Weekly records, window [05-04, 06-01):
# A: 05-05 au 4 {reports 8, api 2}, 05-12 au 6 {reports 4, beta 3}, 04-28 au 9 (before)
#    active = max(4, 6) = 6 (the 04-28 record is outside the window)
#    reports uses 12, depth 12/6 = 2; api 2, depth 1/3; breadth 2/3 (reports, api)
#    sticky 12 / (8 + 2 + 4 + 3) = 12/17
# B: 05-26 au 0 {}: active 0, breadth 0, sticky NaN (no events), depth NaN
AGGREGATES = {
    "account_id": ["A", "A", "A", "B"],
    "day": ["2025-05-05", "2025-05-12", "2025-04-28", "2025-05-26"],
    "active_users": [4, 6, 9, 0],
    "logins": [1, 1, 1, 0],
    "feature_events": [{"reports": 8, "api": 2}, {"reports": 4, "beta": 3}, {"help": 5}, {}],
}


def test_aggregates_hand_worked_example():
    r = feature_adoption(AGGREGATES, as_of=AS_OF, catalog=CATALOG)
    assert r.source == "aggregates"
    assert r.depth_basis == "active_users"
    assert r.active_users.tolist() == [6, 0]
    assert np.isnan(r.users).all()
    assert np.isnan(r.adoption).all()
    np.testing.assert_array_equal(r.uses, [[12, 0, 2, 0], [0, 0, 0, 0]])
    nan = np.nan
    np.testing.assert_allclose(r.depth, [[2, 0, 1 / 3, 0], [nan] * 4])
    np.testing.assert_allclose(r.breadth, [2 / 3, 0])
    np.testing.assert_allclose(r.sticky_share, [12 / 17, nan])
    assert r.unknown_features == ("beta",)
    assert r.feature_events.tolist() == [17, 0]
    assert r.to_measures().measures == ("feature_breadth", "sticky_share", "events_per_active_user")


def test_aggregate_records_and_frames_read_alike():
    records = [
        UsageRecord(
            account_id=a, day=date.fromisoformat(d), active_users=u, logins=n, feature_events=f
        )
        for a, d, u, n, f in zip(*AGGREGATES.values())
    ]
    expected = feature_adoption(AGGREGATES, as_of=AS_OF)
    for data in (records, pd.DataFrame(AGGREGATES), iter(records)):
        r = feature_adoption(data, as_of=AS_OF)
        assert r.source == "aggregates"
        assert r.features == expected.features
        np.testing.assert_array_equal(r.uses, expected.uses)


def test_empty_data():
    r = feature_adoption([], as_of=AS_OF, catalog=CATALOG)
    assert len(r) == 0
    assert r.features == CATALOG.names
    assert repr(r).endswith("features, 28 days before 2025-06-01)")
    no_rows = {name: [] for name in AGGREGATES}
    assert len(feature_adoption(no_rows, as_of=AS_OF)) == 0


def test_duplicate_aggregate_days_are_refused():
    data = {name: [*values, values[0]] for name, values in AGGREGATES.items()}
    with pytest.raises(InvalidInputError, match="two records of account 'A' on 2025-05-05"):
        feature_adoption(data, as_of=AS_OF)


# --- the references --------------------------------------------------------------------------


def available_features(catalog, plan):
    if catalog is None:
        return None
    return set(catalog.available(plan))


def reference_events(rows, *, end_day, window, catalog, plans):
    """Row by row with sets: per account, users and uses per feature, breadth, share."""
    seen_accounts, seen_features = set(), set()
    users = defaultdict(set)
    uses = defaultdict(int)
    active = defaultdict(set)
    events = defaultdict(int)
    for account, user, day, feature in rows:
        if day >= end_day:
            continue
        seen_accounts.add(account)
        if feature is not None:
            seen_features.add(feature)
        if day < end_day - window:
            continue
        active[account].add(user)
        if feature is not None:
            users[account, feature].add(user)
            uses[account, feature] += 1
            events[account] += 1
    names = catalog.names if catalog else tuple(sorted(seen_features))
    key = {f.name for f in catalog.features if f.key} if catalog else set(names)
    sticky = {f.name for f in catalog.features if f.tag == "sticky"} if catalog else set()
    out = {}
    for account in sorted(seen_accounts):
        allowed = available_features(catalog, plans.get(account))
        allowed = set(names) if allowed is None else allowed
        n_active = len(active[account])
        adoption = [
            len(users[account, f]) / n_active if f in allowed and n_active else math.nan
            for f in names
        ]
        offered = [f for f in names if f in key and f in allowed]
        used = [f for f in offered if uses[account, f] > 0]
        breadth = len(used) / len(offered) if offered else math.nan
        sticky_uses = sum(uses[account, f] for f in sticky)
        share = sticky_uses / events[account] if sticky and events[account] else math.nan
        out[account] = (n_active, [uses[account, f] for f in names], adoption, breadth, share)
    return names, out


@st.composite
def catalogs(draw):
    names = draw(st.lists(st.sampled_from("abcdef"), min_size=1, max_size=5, unique=True))
    plans = st.none() | st.lists(st.sampled_from(["basic", "pro"]), min_size=1, unique=True)
    return FeatureCatalog(
        features=tuple(
            Feature(
                name=name,
                key=draw(st.booleans()),
                tag=draw(st.sampled_from([None, "basic", "sticky"])),
                plans=None if (p := draw(plans)) is None else tuple(p),
            )
            for name in names
        )
    )


event_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.sampled_from(["u1", "u2", "u3"]),
        st.integers(0, 60),
        st.none() | st.sampled_from("abcdefg"),
    ),
    max_size=80,
)
EPOCH = date(2025, 1, 1)
EPOCH_DAY = (EPOCH - date(1970, 1, 1)).days


@given(
    rows=event_rows,
    catalog=st.none() | catalogs(),
    plans=st.dictionaries(st.sampled_from("ABCD"), st.sampled_from(["basic", "pro", "max"])),
    window=st.integers(1, 40),
)
def test_events_against_the_reference(rows, catalog, plans, window):
    data = events(
        *((a, u, f"{(EPOCH + timedelta(days=d)).isoformat()}T12:00Z", f) for a, u, d, f in rows)
    )
    end = EPOCH_DAY + 50
    names, expected = reference_events(
        [(a, u, EPOCH_DAY + d, f) for a, u, d, f in rows],
        end_day=end,
        window=window,
        catalog=catalog,
        plans=plans,
    )
    r = feature_adoption(
        data,
        as_of=EPOCH + timedelta(days=50),
        window_days=window,
        catalog=catalog,
        accounts=plans,
    )
    assert r.features == names
    assert r.account_ids.tolist() == list(expected)
    for i, (n_active, uses, adoption, breadth, share) in enumerate(expected.values()):
        assert r.active_users[i] == n_active
        assert r.uses[i].tolist() == uses
        np.testing.assert_allclose(r.adoption[i], adoption, rtol=1e-12)
        np.testing.assert_allclose(r.breadth[i], breadth, rtol=1e-12)
        np.testing.assert_allclose(r.sticky_share[i], share, rtol=1e-12)
    # invariants
    for values in (r.adoption, r.breadth, r.sticky_share):
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 1)).all()


def reference_aggregates(rows, *, end_day, window, catalog):
    """Record by record: max active users, uses per feature, breadth, sticky share."""
    active, uses, events, seen = defaultdict(int), defaultdict(int), defaultdict(int), set()
    accounts = set()
    for account, day, users, counts in rows:
        if day >= end_day:
            continue
        accounts.add(account)
        seen.update(counts)
        if day < end_day - window:
            continue
        active[account] = max(active[account], users)
        for name, count in counts.items():
            uses[account, name] += count
            events[account] += count
    names = catalog.names if catalog else tuple(sorted(seen))
    key = [f.key for f in catalog.features] if catalog else [True] * len(names)
    sticky = {f.name for f in catalog.features if f.tag == "sticky"} if catalog else set()
    out = {}
    for account in sorted(accounts):
        n = active[account]
        depth = [uses[account, f] / n if n else math.nan for f in names]
        offered = [f for f, k in zip(names, key) if k]
        used = [f for f in offered if uses[account, f] > 0]
        breadth = len(used) / len(offered) if offered else math.nan
        share = (
            sum(uses[account, f] for f in sticky) / events[account]
            if sticky and events[account]
            else math.nan
        )
        out[account] = (n, [uses[account, f] for f in names], depth, breadth, share)
    return names, out


aggregate_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.integers(0, 60),
        st.integers(0, 20),
        st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 30), max_size=4),
    ),
    max_size=60,
    unique_by=lambda row: (row[0], row[1]),
)


@given(rows=aggregate_rows, catalog=st.none() | catalogs(), window=st.integers(1, 40))
def test_aggregates_against_the_reference(rows, catalog, window):
    data = {
        "account_id": [r[0] for r in rows],
        "day": [(EPOCH + timedelta(days=r[1])).isoformat() for r in rows],
        "active_users": [r[2] for r in rows],
        "feature_events": [r[3] for r in rows],
    }
    names, expected = reference_aggregates(
        [(a, EPOCH_DAY + d, u, c) for a, d, u, c in rows],
        end_day=EPOCH_DAY + 50,
        window=window,
        catalog=catalog,
    )
    r = feature_adoption(
        data, as_of=EPOCH + timedelta(days=50), window_days=window, catalog=catalog
    )
    assert r.features == names
    assert r.account_ids.tolist() == list(expected)
    for i, (n_active, uses, depth, breadth, share) in enumerate(expected.values()):
        assert r.active_users[i] == n_active
        assert r.uses[i].tolist() == uses
        np.testing.assert_allclose(r.depth[i], depth, rtol=1e-12)
        np.testing.assert_allclose(r.breadth[i], breadth, rtol=1e-12)
        np.testing.assert_allclose(r.sticky_share[i], share, rtol=1e-12)
    for values in (r.breadth, r.sticky_share):
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 1)).all()


def test_sample_data_aggregates_against_the_reference():
    from cshealth.datasets import sample

    data = sample(seed=5, n_accounts=80)
    as_of = (data.usage["day"].max() + 7).astype(date)
    end = (as_of - date(1970, 1, 1)).days
    rows = [
        (a, int(d), int(u), dict(f))
        for a, d, u, f in zip(
            data.usage["account_id"],
            data.usage["day"].astype(np.int64),
            data.usage["active_users"],
            data.usage["feature_events"],
        )
    ]
    names, expected = reference_aggregates(rows, end_day=end, window=28, catalog=None)
    r = feature_adoption(data.usage, as_of=as_of, accounts=data.accounts)
    assert r.features == names
    for i, (n_active, uses, *_rest) in enumerate(expected.values()):
        assert r.active_users[i] == n_active
        assert r.uses[i].tolist() == uses


# --- the catalog -----------------------------------------------------------------------------


def test_catalog_loads_from_json_and_is_hashable():
    text = CATALOG.model_dump_json()
    again = FeatureCatalog.model_validate_json(text)
    assert again == CATALOG
    assert hash(again) == hash(CATALOG)
    assert CATALOG.available("basic") == ("reports", "dashboards", "help")
    assert CATALOG.available(None) == CATALOG.names


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"features": [{"name": "a"}, {"name": "a"}]}, "feature 'a' is listed twice"),
        ({"features": []}, "at least 1"),
        ({"features": [{"name": "a", "plans": []}]}, "at least 1"),
        ({"features": [{"name": "a", "tag": "core"}]}, "'basic' or 'sticky'"),
        ({"features": [{"name": ""}]}, "at least 1 character"),
        ({"features": [{"name": "a", "weight": 2}]}, "Extra inputs are not permitted"),
    ],
)
def test_bad_catalogs(payload, message):
    with pytest.raises(ConfigError, match=message):
        FeatureCatalog.model_validate(payload)


# --- results and bad input -------------------------------------------------------------------


def test_measures_dict_and_repr():
    r = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=PLANS)
    table = r.to_measures()
    assert table.measures == (
        "feature_breadth",
        "sticky_share",
        "events_per_active_user",
        "adoption_reports",
        "adoption_dashboards",
        "adoption_api",
        "adoption_help",
    )
    assert table.account("B")["adoption_api"] is None
    assert table.account("A")["sticky_share"] == pytest.approx(0.3)
    payload = r.to_dict()
    json.dumps(payload)
    assert payload["unknown_features"] == ["beta"]
    assert FeatureCatalog.model_validate(payload["catalog"]) == CATALOG
    assert feature_adoption(HAND, as_of=AS_OF).to_dict()["catalog"] is None
    api = payload["features"].index("api")
    assert {name: payload[name][0][api] for name in ("users", "uses", "depth", "available")} == {
        "users": 1.0,
        "uses": 4,
        "depth": 4.0,
        "available": True,
    }
    assert payload["adoption"][0][api] == pytest.approx(1 / 3)
    assert payload["sticky_share"][2] is None
    text = repr(r)
    assert text.startswith(
        "FeatureAdoption(events: 3 accounts x 4 features, 28 days before 2025-06-01, "
        "not in the catalog: ['beta']; median breadth 0.50"
    )
    assert "reports" in text
    aggregates = repr(feature_adoption(AGGREGATES, as_of=AS_OF))
    assert "median adoption" in aggregates
    assert "  api                           1                -" in aggregates
    with pytest.raises(ValueError, match="read-only"):
        r.breadth[0] = 1.0


def test_results_compare_by_value_find_accounts_and_tabulate():
    r = feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=PLANS)
    assert r == feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG, accounts=PLANS)
    assert r == pickle.loads(pickle.dumps(r))
    assert r != feature_adoption(HAND, as_of=AS_OF, catalog=CATALOG)  # B entitled to the API
    assert r != feature_adoption(HAND, as_of=AS_OF)  # no catalog: other features
    assert [r.row(account) for account in ("A", "B", "C")] == [0, 1, 2]
    with pytest.raises(AccountNotFoundError, match="no account 'D' among the 3"):
        r.row("D")
    frame = r.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "breadth",
        "sticky_share",
        "active_users",
        "feature_events",
    ]  # the arrays of accounts by features are not row columns
    assert len(frame) == len(r) == 3
    for name in frame.columns:
        np.testing.assert_array_equal(
            frame[name].to_numpy(), getattr(r, field_of(name)), err_msg=name
        )
    assert frame["active_users"].tolist() == [3, 1, 0]
    payload = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert payload == r.to_dict()
    assert payload["users"] == [[2, 0, 1, 1], [0, 1, 0, 0], [0, 0, 0, 0]]
    assert payload["adoption"][2] == [None] * 4  # C: no active users


def test_repr_without_any_breadth():
    r = feature_adoption({**HAND, "feature": [None] * len(HAND["feature"])}, as_of=AS_OF)
    assert "median breadth -" in repr(r)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window_days": 0}, "`window_days` must be a whole number from 1 to 36525, got 0"),
        ({"catalog": {"features": []}}, "`catalog` must be a FeatureCatalog or None"),
        ({"as_of": datetime(2025, 6, 1)}, "`as_of` is a naive datetime"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(InvalidInputError, match=message):
        feature_adoption(HAND, **{"as_of": AS_OF, **options})


def test_bad_data():
    with pytest.raises(InvalidInputError, match="usage must be UsageRecord records"):
        feature_adoption(42, as_of=AS_OF)
    naive = events(("A", "a1", "2025-05-10T09:00", "reports"))
    with pytest.raises(InvalidInputError, match="occurred_at"):
        feature_adoption(naive, as_of=AS_OF)
    with pytest.raises(InvalidInputError, match=r"need the columns \['user_id'\]|user_id"):
        feature_adoption({"account_id": ["A"], "user_id": ["u"]}, as_of=AS_OF)
