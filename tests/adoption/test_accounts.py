"""``adoption.account_metrics``: every adoption measure per account, lined up."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from cshealth import Account, InvalidInputError, join_measures, nps, support
from cshealth.adoption import account_metrics, active_users, usage_trend
from cshealth.adoption._trend_result import TREND_MEASURES
from cshealth.datasets import sample

AS_OF = date(2026, 1, 1)

USAGE = {
    "account_id": ["A", "A", "A", "B", "C"],
    "day": ["2025-11-24", "2025-12-08", "2025-12-15", "2025-12-15", "2025-10-06"],
    "active_users": [3, 4, 5, 2, 1],
    "logins": [10, 30, 40, 6, 2],
    "feature_events": [{}, {"reports": 3}, {"reports": 1, "api": 4}, {}, {}],
}


def test_worked_example_from_records_only() -> None:
    # Window: the 28 days 2025-12-04 .. 2025-12-31. A: records of 12-08 and 12-15 count
    # (11-24 is before the window): logins 30 + 40 = 70 over 10 seats = 7 per seat; peak
    # active users max(4, 5) = 5, so utilisation 5 / 10. B: 6 logins, peak 2 of 4 seats.
    # C: only a record in October: 0 logins in the window, a measured 0 (C is observed).
    table = account_metrics(USAGE, as_of=AS_OF, seats={"A": 10, "B": 4, "C": 0})
    assert table["account_id"].tolist() == ["A", "B", "C"]
    assert table["logins"].tolist() == [70.0, 6.0, 0.0]
    assert table["logins_per_seat"].tolist()[:2] == [7.0, 1.5]
    assert table["seat_utilisation"].tolist()[:2] == [0.5, 0.5]
    assert np.isnan(table["seat_utilisation"][2])  # 0 seats: undefined, not 0 or inf
    # A used 2 features (reports, api) of the 2 seen anywhere: breadth 1.
    assert table["feature_breadth"][0] == 1.0
    assert table.source == "adoption"
    assert "mau" not in table  # no events: no distinct-user measures


def test_trend_columns_are_those_of_usage_trend() -> None:
    table = account_metrics(USAGE, as_of=AS_OF)
    trend = usage_trend(USAGE, as_of=AS_OF)
    np.testing.assert_array_equal(table["usage_current"], trend.current)
    assert np.isnan(table["seats"]).all()
    assert np.isnan(table["logins_per_seat"]).all()


def test_with_events_utilisation_is_mau_over_seats() -> None:
    events = {
        "account_id": ["A", "A", "A", "B"],
        "user_id": ["u1", "u2", "u1", "v1"],
        "occurred_at": [
            "2025-12-30T10:00Z",
            "2025-12-10T10:00Z",
            "2025-12-31T09:00Z",
            "2025-11-01T10:00Z",  # before the window: B has no active user
        ],
        "feature": ["reports", None, "api", "reports"],
    }
    table = account_metrics(USAGE, as_of=AS_OF, events=events, seats={"A": 4, "B": 2})
    # A: u1 and u2 active in the window: MAU 2 of 4 seats; B was not active (MAU 0).
    row = table.account("A")
    assert row["mau"] == 2.0
    assert row["seat_utilisation"] == 0.5
    assert table.account("B")["seat_utilisation"] == 0.0
    direct = active_users(events, as_of=AS_OF)
    assert direct.mau.tolist() == [2]


def test_listed_accounts_are_the_rows_and_missing_stays_missing() -> None:
    accounts = [
        Account(id="A", name="Acme", start_date=date(2025, 11, 20), seats=10),
        Account(id="Z", name="Zeta", start_date=date(2025, 12, 1), seats=3),
    ]
    table = account_metrics(USAGE, as_of=AS_OF, accounts=accounts)
    assert table["account_id"].tolist() == ["A", "Z"]
    assert table.account("A")["seats"] == 10.0
    z = table.account("Z")
    assert z["logins"] is None  # no usage rows at all: not measured, not 0
    assert z["seats"] == 3.0
    assert "first_90d_logins" in table
    assert table.account("A")["first_90d_logins"] == 80.0  # 10 + 30 + 40, all inside 90 days
    ids_only = account_metrics(USAGE, as_of=AS_OF, accounts=("B", "A"))
    assert ids_only["account_id"].tolist() == ["A", "B"]
    assert "first_90d_logins" not in ids_only


def test_columns_of_accounts_with_start_dates_give_first_days() -> None:
    accounts = {"id": ["A"], "name": ["Acme"], "start_date": ["2025-11-20"]}
    assert "first_90d_logins" in account_metrics(USAGE, as_of=AS_OF, accounts=accounts)
    assert "first_90d_logins" not in account_metrics(USAGE, as_of=AS_OF, accounts={"A", "B"})


def test_absent_columns_are_not_measured_and_the_rest_unchanged() -> None:
    # USAGE without `logins` and `feature_events`: logins, logins per seat, the logins
    # trend and the feature measures were not measured (NaN, with the reason); the
    # measures built on `active_users` keep their numbers.
    seats = {"A": 10, "B": 4, "C": 0}
    full = account_metrics(USAGE, as_of=AS_OF, seats=seats)
    bare = {name: USAGE[name] for name in ("account_id", "day", "active_users")}
    table = account_metrics(bare, as_of=AS_OF, seats=seats)
    logins, features = "no `logins` column", "no `feature_events` column"
    expected = {
        "logins": logins,
        "logins_per_seat": logins,
        **dict.fromkeys(TREND_MEASURES, logins),
        **dict.fromkeys(("feature_breadth", "sticky_share", "events_per_active_user"), features),
    }
    assert table.not_measured == expected
    for name in expected:
        assert all(value is None for value in table.to_dict()["columns"][name])
    assert table["account_id"].tolist() == ["A", "B", "C"]
    for name in ("peak_active_users", "seats", "seat_utilisation"):
        np.testing.assert_array_equal(table[name], full[name])
    assert full.not_measured == {}
    # a trend of a column the records have is measured, and equals usage_trend's
    by_users = account_metrics(bare, as_of=AS_OF, trend_measure="active_users")
    trend = usage_trend(bare, as_of=AS_OF, measure="active_users")
    np.testing.assert_array_equal(by_users["usage_current"], trend.current)
    assert "usage_current" not in by_users.not_measured
    # events without a `feature` column: active users are measured, feature use is not
    events = {
        "account_id": ["A", "B"],
        "user_id": ["u1", "v1"],
        "occurred_at": ["2025-12-30T10:00Z", "2025-12-29T10:00Z"],
    }
    with_events = account_metrics(USAGE, as_of=AS_OF, events=events)
    assert with_events.not_measured["feature_breadth"] == "no `feature` column"
    assert with_events.account("A")["mau"] == 1.0


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="window_days"):
        account_metrics(USAGE, as_of=AS_OF, window_days=0)
    duplicated = {name: [*values, values[0]] for name, values in USAGE.items()}
    with pytest.raises(InvalidInputError, match="two records of account 'A'"):
        account_metrics(duplicated, as_of=AS_OF)


def test_the_sample_joins_with_support_and_nps() -> None:
    data = sample(seed=3, n_accounts=60)
    accounts = data.accounts
    adoption_table = account_metrics(
        data.usage, as_of=AS_OF, events=data.usage_events, accounts=accounts
    )
    joined = join_measures(
        adoption_table,
        support.account_metrics(data.tickets, as_of=AS_OF, accounts=accounts),
        nps.account_scores(data.survey_responses, as_of=AS_OF).to_measures(),
        accounts=accounts["id"],
    )
    assert joined.n_accounts == 60
    assert {"mau", "open_tickets", "nps", "usage_change"} <= set(joined)
    # accounts without NPS answers keep a missing NPS, not a zero
    answered = set(nps.account_scores(data.survey_responses, as_of=AS_OF).account_ids)
    for i, account in enumerate(joined.account_ids.tolist()):
        assert np.isnan(joined["nps"][i]) == (account not in answered)
