"""The sample data: valid, deterministic, coherent, and with a real churn signal.

The churn-signal tests are the contract later features rely on: on the default sample,
accounts that churned differ from retained ones, in the documented direction, on each
driver a health score would use (usage per seat, detractors, first-response times,
onboarding delay, champion departure).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pytest
from scipy import stats

from cshealth import InvalidInputError, load_table
from cshealth.datasets import SampleData, sample
from cshealth.io import Table, to_columns
from cshealth.models import TABLES

AS_OF = np.datetime64("2026-01-01")
SEGMENTS = ("smb", "mid_market", "enterprise")

#: Event dates and instants: all strictly before ``as_of``.
EVENT_COLUMNS = [
    ("accounts", "start_date"),
    ("accounts", "end_date"),
    ("contacts", "started_on"),
    ("contacts", "left_on"),
    ("milestones", "started_on"),
    ("milestones", "completed_on"),
    ("goals", "set_on"),
    ("goals", "achieved_on"),
    ("tickets", "created_at"),
    ("tickets", "first_response_at"),
    ("tickets", "resolved_at"),
    ("survey_responses", "submitted_at"),
    ("usage", "day"),
    ("usage_events", "occurred_at"),
    ("revenue_changes", "effective_on"),
]


@pytest.fixture(scope="module")
def data() -> SampleData:
    return sample()


@pytest.fixture(scope="module")
def small() -> SampleData:
    return sample(seed=11, n_accounts=60)


def account_rows(data: SampleData, table: str) -> np.ndarray:
    """Row in ``accounts`` of each row's ``account_id`` (ids sort like their numbers)."""
    ids = data.accounts["id"].astype(str)
    return np.searchsorted(ids, data.tables()[table]["account_id"].astype(str))


def churned(data: SampleData) -> np.ndarray:
    return ~np.isnat(data.accounts["end_date"])


# --- shape, determinism, validity ---------------------------------------------------------


def test_default_window_and_size(data: SampleData) -> None:
    assert (data.seed, data.start, data.as_of) == (0, date(2023, 1, 1), date(2026, 1, 1))
    assert data.accounts.n_rows == 2000
    assert all(table.n_rows > 0 for table in data.tables().values())
    assert list(data.tables()) == list(TABLES)
    assert all(data.tables()[name].model is model for name, model in TABLES.items())


def test_repr_shows_seed_window_and_row_counts(small: SampleData) -> None:
    text = repr(small)
    assert text.startswith("SampleData(seed=11, window=[2023-01-01, 2026-01-01), 36 months)")
    for name, table in small.tables().items():
        assert f"{name} " in text
        assert f"{table.n_rows:,} rows" in text


def test_same_seed_gives_identical_tables() -> None:
    first, second = sample(seed=5, n_accounts=80), sample(seed=5, n_accounts=80)
    assert first == second
    for name, table in first.tables().items():
        assert table == second.tables()[name], name


@pytest.mark.parametrize("name", list(TABLES))
def test_different_seeds_differ(name: str) -> None:
    one, two = sample(seed=1, n_accounts=80), sample(seed=2, n_accounts=80)
    assert one.tables()[name] != two.tables()[name]


@pytest.mark.parametrize("name", list(TABLES))
def test_records_round_trip(small: SampleData, name: str) -> None:
    records = small.records(name)
    table = small.tables()[name]
    assert len(records) == table.n_rows
    assert all(type(r) is TABLES[name] for r in records)
    assert to_columns(records, TABLES[name]) == table


@pytest.mark.parametrize(
    ("n_accounts", "months", "as_of"),
    [
        (1, 1, date(2026, 1, 1)),
        (3, 2, date(2024, 2, 29)),
        (40, 13, date(2025, 3, 31)),
        (25, 60, date(2019, 7, 15)),
    ],
)
def test_edge_windows_are_valid(n_accounts: int, months: int, as_of: date) -> None:
    data = sample(seed=4, n_accounts=n_accounts, months=months, as_of=as_of)
    assert data.accounts.n_rows == n_accounts
    assert data.as_of == as_of
    limit = np.datetime64(as_of, "D")
    for name, column in EVENT_COLUMNS:
        values = data.tables()[name][column]
        assert (values[~np.isnat(values)] < limit).all(), (name, column)


# --- nothing after as_of, keys, references -----------------------------------------------


@pytest.mark.parametrize(("name", "column"), EVENT_COLUMNS)
def test_nothing_dated_on_or_after_as_of(data: SampleData, name: str, column: str) -> None:
    values = data.tables()[name][column]
    present = values[~np.isnat(values)]
    assert len(present) > 0
    assert (present < AS_OF).all()
    assert (present >= np.datetime64(data.start)).all()


def test_only_planned_dates_lie_ahead(data: SampleData) -> None:
    accounts = data.accounts
    active = ~churned(data)
    assert (accounts["renewal_date"][active] >= AS_OF).all()
    assert np.isnat(accounts["renewal_date"][~active]).all()
    assert (data.milestones["due_date"] >= AS_OF).any()
    assert (data.goals["target_date"] >= AS_OF).any()


def test_usage_weeks_are_complete_mondays(data: SampleData) -> None:
    day = data.usage["day"]
    assert ((day.astype(np.int64) + 3) % 7 == 0).all()  # 1970-01-01 was a Thursday
    assert (day + 7 <= AS_OF).all()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("accounts", ("id",)),
        ("contacts", ("id",)),
        ("milestones", ("id",)),
        ("goals", ("id",)),
        ("tickets", ("id",)),
        ("survey_responses", ("id",)),
        ("usage", ("account_id", "day")),
        ("revenue_changes", ("account_id", "effective_on")),
    ],  # usage_events has no key: a user may do the same thing twice at once
)
def test_keys_are_unique(data: SampleData, name: str, key: tuple[str, ...]) -> None:
    table = data.tables()[name]
    keys = set(zip(*(table[k].tolist() for k in key)))
    assert len(keys) == table.n_rows


@pytest.mark.parametrize("name", [n for n in TABLES if n != "accounts"])
def test_every_account_id_exists(data: SampleData, name: str) -> None:
    known = set(data.accounts["id"].tolist())
    assert set(data.tables()[name]["account_id"].tolist()) <= known


def test_respondents_are_contacts_of_their_account(data: SampleData) -> None:
    responses, contacts = data.survey_responses, data.contacts
    owner = dict(zip(contacts["id"].tolist(), contacts["account_id"].tolist()))
    pairs = [
        (c, a)
        for c, a in zip(responses["contact_id"].tolist(), responses["account_id"].tolist())
        if c is not None
    ]
    assert len(pairs) > 0.7 * responses.n_rows
    assert all(owner[c] == a for c, a in pairs)


def test_parents_exist_and_have_two_to_four_children(data: SampleData) -> None:
    accounts = data.accounts
    ids, parents = accounts["id"], accounts["parent_id"]
    has_parent = np.array([p is not None for p in parents])
    assert has_parent.sum() > 50
    child_parent = parents[has_parent]
    assert (child_parent != ids[has_parent]).all()
    row = np.searchsorted(ids.astype(str), child_parent.astype(str))
    assert (ids[row] == child_parent).all()
    assert (accounts["segment"][row] == "enterprise").all()
    _, sizes = np.unique(child_parent.astype(str), return_counts=True)
    assert sizes.min() >= 2
    assert sizes.max() <= 4
    assert not has_parent[row].any()  # parents are not children themselves


# --- revenue -------------------------------------------------------------------------------


def last_change(data: SampleData) -> tuple[np.ndarray, np.ndarray]:
    """Row of each account's first and last revenue change (changes sort by account, day)."""
    rows = account_rows(data, "revenue_changes")
    n = data.accounts.n_rows
    first = np.searchsorted(rows, np.arange(n), side="left")
    last = np.searchsorted(rows, np.arange(n), side="right") - 1
    return first, last


def test_revenue_changes_start_with_signing(data: SampleData) -> None:
    first, _ = last_change(data)
    changes = data.revenue_changes
    assert (changes["effective_on"][first] == data.accounts["start_date"]).all()
    assert (changes["mrr"][first] > 0).all()
    assert (np.diff(account_rows(data, "revenue_changes")) >= 0).all()


def test_account_mrr_is_the_last_change(data: SampleData) -> None:
    _, last = last_change(data)
    np.testing.assert_array_equal(data.revenue_changes["mrr"][last], data.accounts["mrr"])


def test_churned_accounts_end_at_zero_on_their_end_date(data: SampleData) -> None:
    _, last = last_change(data)
    gone = churned(data)
    changes = data.revenue_changes
    assert gone.sum() > 200
    assert (changes["mrr"][last][gone] == 0).all()
    assert (changes["effective_on"][last][gone] == data.accounts["end_date"][gone]).all()
    assert (data.accounts["mrr"][~gone] > 0).all()


def test_reactivations_and_expansion_and_contraction(data: SampleData) -> None:
    changes = data.revenue_changes
    rows = account_rows(data, "revenue_changes")
    mrr = changes["mrr"]
    same = rows[1:] == rows[:-1]
    before, after = mrr[:-1], mrr[1:]
    back = same & (before == 0) & (after > 0)
    assert back.sum() >= 5
    reactivated = rows[1:][back]
    assert (~churned(data)[reactivated]).sum() >= 5  # active again: end_date is None
    expanded = (same & (before > 0) & (after > before)).sum()
    contracted = (same & (after > 0) & (after < before)).sum()
    assert expanded > contracted > 50


def test_cohorts_grow_and_segments_price_differently(data: SampleData) -> None:
    start = data.accounts["start_date"]
    first_year = (start < np.datetime64("2024-01-01")).sum()
    last_year = (start >= np.datetime64("2025-01-01")).sum()
    assert last_year > 1.5 * first_year
    first, _ = last_change(data)
    signed = data.revenue_changes["mrr"][first]
    medians = [np.median(signed[data.accounts["segment"] == s]) for s in SEGMENTS]
    assert medians[0] * 3 < medians[1] < medians[2] / 3


# --- onboarding, goals, contacts ----------------------------------------------------------


def test_onboarding_plan(data: SampleData) -> None:
    milestones = data.milestones
    assert milestones.n_rows == 6 * data.accounts.n_rows
    assert milestones["marks_first_value"].sum() == data.accounts.n_rows
    assert (~milestones["required"]).sum() == data.accounts.n_rows
    started, done = milestones["started_on"], milestones["completed_on"]
    assert (done[~np.isnat(done)] >= started[~np.isnat(done)]).all()
    assert np.isnat(started[~np.isnat(done)]).sum() == 0


def test_some_milestones_late_some_stuck_some_open(data: SampleData) -> None:
    milestones = data.milestones
    due, started, done = (milestones[c] for c in ("due_date", "started_on", "completed_on"))
    finished = ~np.isnat(done)
    late = finished & (done > due)
    stuck = ~np.isnat(started) & ~finished & (due < AS_OF - 180) & milestones["required"]
    young = data.accounts["start_date"][account_rows(data, "milestones")] > AS_OF - 60
    assert late.mean() > 0.3
    assert (finished & (done < due)).sum() > 100  # some early too
    assert stuck.sum() > 20
    assert (young & ~finished).sum() > 100


def test_goals_one_to_three_per_account(data: SampleData) -> None:
    counts = np.bincount(account_rows(data, "goals"), minlength=data.accounts.n_rows)
    assert counts.min() >= 1
    assert counts.max() <= 3
    achieved = ~np.isnat(data.goals["achieved_on"])
    assert 0.1 < achieved.mean() < 0.8


def test_contacts_roles_and_champions(data: SampleData) -> None:
    contacts = data.contacts
    rows = account_rows(data, "contacts")
    counts = np.bincount(rows, minlength=data.accounts.n_rows)
    assert counts.min() >= 2
    assert counts.max() <= 9  # up to 8, plus a replacement champion
    assert set(contacts["role"].tolist()) == {
        "champion",
        "admin",
        "executive_sponsor",
        "billing",
        "user",
    }
    champion = contacts["is_champion"]
    assert (contacts["role"][champion] == "champion").all()
    assert (np.bincount(rows[champion], minlength=len(counts)) >= 1).all()
    current = champion & np.isnat(contacts["left_on"])
    assert np.bincount(rows[current], minlength=len(counts)).max() == 1
    departed = champion & ~np.isnat(contacts["left_on"])
    assert 100 < departed.sum() < 600
    assert (~np.isnat(contacts["left_on"][~champion])).sum() > 100


# --- tickets, surveys, usage --------------------------------------------------------------


def seconds(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    delta = (later - earlier).astype("timedelta64[us]").astype(np.float64) / 1e6
    return np.where(np.isnat(later), np.nan, delta)


def test_chat_answers_faster_than_email(data: SampleData) -> None:
    tickets = data.tickets
    wait = seconds(tickets["first_response_at"], tickets["created_at"])
    channel = tickets["channel"]
    median = {c: np.nanmedian(wait[channel == c]) for c in ("chat", "phone", "email", "web")}
    assert median["chat"] < 300
    assert median["phone"] < 300
    assert 3600 < median["email"] < 6 * 3600
    assert median["chat"] * 20 < median["email"]
    assert set(channel.tolist()) == {"email", "web", "chat", "phone", "messaging"}


def test_ticket_flags_and_open_work(data: SampleData) -> None:
    tickets = data.tickets
    live = np.isin(tickets["channel"], ["chat", "phone"])
    assert tickets["abandoned"][live].mean() > 0.02
    assert not tickets["abandoned"][~live].any()
    assert np.isnan(tickets["queue_wait_seconds"][~live]).all()
    assert not np.isnan(tickets["queue_wait_seconds"][live]).any()
    assert np.isnat(tickets["first_response_at"][tickets["abandoned"]]).all()
    open_ = np.isnat(tickets["resolved_at"])
    assert open_.sum() > 20
    assert (tickets["created_at"][open_] > AS_OF - 30).mean() > 0.5  # mostly recent
    assert (tickets["reopened_count"] > 0).mean() > 0.03
    assert tickets["delighted"].sum() > 20
    leads = tickets["service_qualified_lead"]
    assert leads.sum() > 20
    assert np.isnan(tickets["lead_revenue"][~leads]).all()
    assert (tickets["lead_revenue"][leads] > 0).sum() > 10


def test_tickets_mostly_on_weekdays(data: SampleData) -> None:
    weekday = (data.tickets["created_at"].astype("datetime64[D]").astype(np.int64) + 3) % 7
    assert (weekday >= 5).mean() < 0.1


def test_survey_kinds_touchpoints_and_respondents(data: SampleData) -> None:
    responses = data.survey_responses
    kind, kind_type = responses["kind"], responses["survey_type"]
    relationship = kind_type == "relationship"
    assert (kind[relationship] == "nps").all()
    assert set(responses["touchpoint"][~relationship].tolist()) == {
        "onboarding",
        "support",
        "renewal",
        "in_app",
    }
    assert {"csat", "ces"} <= set(kind[~relationship].tolist())
    contact = responses["contact_id"][relationship].astype(str)
    _, answers = np.unique(contact, return_counts=True)
    assert (answers >= 2).sum() > 300  # the same people answer wave after wave
    comments = np.array([c is not None for c in responses["comment"]])
    assert 0.1 < comments.mean() < 0.5
    score = responses["score"]
    promoters = (score[relationship] >= 9).mean()
    detractors = (score[relationship] <= 6).mean()
    assert 0 < promoters - detractors < 0.6


def test_csat_is_lower_where_support_is_slow(data: SampleData) -> None:
    """Accounts whose tickets wait longer give lower CSAT (both follow support quality)."""
    responses, n = data.survey_responses, data.accounts.n_rows
    csat = responses["kind"] == "csat"
    assert 3.6 < responses["score"][csat].mean() < 4.6
    rows = account_rows(data, "survey_responses")[csat]
    answers = np.bincount(rows, minlength=n)
    mean = np.bincount(rows, responses["score"][csat], n) / np.maximum(answers, 1)
    delay = response_delay(data)
    known = (answers >= 3) & ~np.isnan(delay)
    assert stats.spearmanr(mean[known], delay[known]).statistic < -0.1


def test_usage_follows_the_account(data: SampleData) -> None:
    usage = data.usage
    rows = account_rows(data, "usage")
    start = data.accounts["start_date"][rows]
    end = data.accounts["end_date"][rows]
    assert (usage["day"] >= start).all()
    gone = ~np.isnat(end)
    assert (usage["day"][gone] < end[gone]).all()
    features = {key for events in usage["feature_events"] for key in events}
    assert features == {"reports", "dashboards", "exports", "alerts", "integrations", "api"}
    assert (usage["logins"] >= usage["active_users"]).mean() > 0.9


def customer_on(data: SampleData, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Whether account ``rows`` are customers on ``days``: their last MRR change by then > 0."""
    changes = data.revenue_changes
    changed = account_rows(data, "revenue_changes")
    stamp = changes["effective_on"].astype(np.int64)
    order = np.lexsort((stamp, changed))  # already sorted; made explicit
    key = changed[order] * 1_000_000 + stamp[order]
    last = np.searchsorted(key, rows * 1_000_000 + days.astype(np.int64), side="right") - 1
    same = (last >= 0) & (changed[order][np.maximum(last, 0)] == rows)
    return same & (changes["mrr"][order][np.maximum(last, 0)] > 0)


def test_usage_events_cover_the_eight_weeks_before_as_of(data: SampleData) -> None:
    at = data.usage_events["occurred_at"]
    day = at.astype("datetime64[D]")
    assert day.min() == AS_OF - 56
    assert day.max() == AS_OF - 1
    assert (at < AS_OF).all()
    assert len(np.unique(day)) == 56


def test_usage_events_only_while_a_customer(data: SampleData) -> None:
    rows = account_rows(data, "usage_events")
    day = data.usage_events["occurred_at"].astype("datetime64[D]")
    assert customer_on(data, rows, day).all()
    # and churned accounts stop: none after the end date
    end = data.accounts["end_date"][rows]
    gone = ~np.isnat(end)
    assert gone.sum() > 1000
    assert (day[gone] < end[gone]).all()


def test_usage_event_users_belong_to_one_account(data: SampleData) -> None:
    events = data.usage_events
    users, first = np.unique(events["user_id"].astype(str), return_index=True)
    owner = events["account_id"].astype(str)[first]
    _, user = np.unique(events["user_id"].astype(str), return_inverse=True)
    assert (events["account_id"].astype(str) == owner[user]).all()
    numbers = np.char.partition(np.char.lstrip(users, "U-"), "-")
    assert (np.char.add("A-", numbers[:, 0]) == owner).all()
    width = {len(n) for n in numbers[:, 2].tolist()}
    assert len(width) == 1
    assert width.pop() >= 3


def test_usage_event_users_are_seats(data: SampleData) -> None:
    """User numbers of current customers never exceed their most seats in the window."""
    events = data.usage_events
    rows = account_rows(data, "usage_events")
    number = np.array([int(u.rsplit("-", 1)[1]) for u in events["user_id"]])
    most = np.zeros(data.accounts.n_rows, dtype=np.int64)
    np.maximum.at(most, rows, number)
    seats = data.accounts["seats"]
    steady = ~churned(data) & (most > 0)
    # seats may have shrunk in the window (then the old, higher numbers show)
    assert (most[steady] <= seats[steady]).mean() > 0.95
    assert np.median(most[steady] / seats[steady]) > 0.9


def weekly_active(data: SampleData) -> tuple[np.ndarray, np.ndarray]:
    """Active users per account-week from ``usage`` and counted from ``usage_events``."""
    events = data.usage_events
    rows = account_rows(data, "usage_events")
    day = events["occurred_at"].astype("datetime64[D]").astype(np.int64)
    monday = day - (day + 3) % 7
    full = monday >= day.min()
    _, user = np.unique(events["user_id"].astype(str), return_inverse=True)
    triples = np.unique(np.stack([rows[full], monday[full], user[full]]), axis=1)
    weeks, counted = np.unique(triples[:2], axis=1, return_counts=True)
    usage = data.usage
    usage_rows = account_rows(data, "usage")
    usage_day = usage["day"].astype(np.int64)
    inside = usage_day >= weeks[1].min()
    n = data.accounts.n_rows
    key = usage_rows[inside] * 100_000 + usage_day[inside]
    table = dict(zip(key.tolist(), usage["active_users"][inside].tolist()))
    table_events = dict(zip((weeks[0] * 100_000 + weeks[1]).tolist(), counted.tolist()))
    keys = sorted(set(table) | set(table_events))
    assert len(keys) > 7 * n * 0.5
    return (
        np.array([table.get(k, 0) for k in keys]),
        np.array([table_events.get(k, 0) for k in keys]),
    )


def test_usage_events_weekly_active_users_match_usage(data: SampleData) -> None:
    reported, counted = weekly_active(data)
    assert np.corrcoef(reported, counted)[0, 1] > 0.9
    assert stats.spearmanr(reported, counted).statistic > 0.8
    assert 0.9 < counted.sum() / reported.sum() < 1.15


def test_usage_events_features_and_visits(data: SampleData) -> None:
    feature = data.usage_events["feature"]
    visit = np.array([f is None for f in feature])
    assert 0.3 < visit.mean() < 0.45
    names, counts = np.unique(feature[~visit].astype(str), return_counts=True)
    assert names.tolist() == sorted(
        ["reports", "dashboards", "exports", "alerts", "integrations", "api"]
    )
    assert counts.min() > 0.03 * counts.sum()


def test_usage_events_in_local_working_hours_on_weekdays(data: SampleData) -> None:
    events = data.usage_events
    rows = account_rows(data, "usage_events")
    offset = {"north_america": -5, "emea": 1, "apac": 8, "latam": -3}
    region = np.array([offset[t["region"]] for t in data.accounts["traits"]])
    micros = events["occurred_at"].astype(np.int64)
    hour = (micros // 3_600_000_000 + region[rows]) % 24
    assert ((hour >= 8) & (hour < 18)).all()
    weekday = (events["occurred_at"].astype("datetime64[D]").astype(np.int64) + 3) % 7
    assert (weekday >= 5).mean() < 0.08


def test_usage_events_show_drops_before_churn(data: SampleData) -> None:
    """Accounts that churned in the window were fading before they left."""
    rows = account_rows(data, "usage_events")
    day = data.usage_events["occurred_at"].astype("datetime64[D]")
    end = data.accounts["end_date"]
    # ended late November to mid December: two weeks before and the holidays after
    left = np.flatnonzero((end >= AS_OF - 36) & (end < AS_OF - 10))
    assert len(left) > 15
    late = early = 0
    for a in left.tolist():
        mine = day[rows == a]
        late += ((mine >= end[a] - 7) & (mine < end[a])).sum()
        early += ((mine >= end[a] - 21) & (mine < end[a] - 14)).sum()
    assert late < 0.8 * early  # the fade alone: about 0.5 against 0.75


def test_feature_breadth_grows_with_age(data: SampleData) -> None:
    usage = data.usage
    rows = account_rows(data, "usage")
    age = (usage["day"] - data.accounts["start_date"][rows]).astype(np.int64)
    breadth = np.array([len(events) for events in usage["feature_events"]])
    assert breadth[age < 45].mean() + 1 < breadth[age > 365].mean()


# --- the churn signal --------------------------------------------------------------------


def reference_day(data: SampleData) -> np.ndarray:
    """End date for churned accounts, ``as_of`` for the rest."""
    end = data.accounts["end_date"]
    return np.where(np.isnat(end), AS_OF, end)


def usage_per_seat(data: SampleData) -> np.ndarray:
    """Mean weekly active users per seat in the 12 weeks before the reference day."""
    rows = account_rows(data, "usage")
    day, ref = data.usage["day"], reference_day(data)[rows]
    window = (day >= ref - 84) & (day < ref)
    share = data.usage["active_users"] / data.accounts["seats"][rows]
    n = data.accounts.n_rows
    weeks = np.bincount(rows[window], minlength=n)
    total = np.bincount(rows[window], share[window], n)
    return np.where(weeks > 0, total / np.maximum(weeks, 1), np.nan)


def detractor_share(data: SampleData) -> np.ndarray:
    """Share of an account's relationship NPS answers that are 0-6."""
    responses, n = data.survey_responses, data.accounts.n_rows
    rows = account_rows(data, "survey_responses")
    asked = responses["survey_type"] == "relationship"
    detractor = (responses["score"] <= 6) & asked
    answers = np.bincount(rows[asked], minlength=n)
    share = np.bincount(rows[detractor], minlength=n) / np.maximum(answers, 1)
    return np.where(answers > 0, share, np.nan)


def response_delay(data: SampleData) -> np.ndarray:
    """Mean log first-response time of an account's tickets, relative to the channel."""
    tickets, n = data.tickets, data.accounts.n_rows
    rows = account_rows(data, "tickets")
    log_wait = np.log1p(seconds(tickets["first_response_at"], tickets["created_at"]))
    answered = ~np.isnan(log_wait)
    relative = np.zeros(len(log_wait))
    for channel in np.unique(tickets["channel"].astype(str)):
        on = answered & (tickets["channel"] == channel)
        relative[on] = log_wait[on] - np.median(log_wait[on])
    count = np.bincount(rows[answered], minlength=n)
    mean = np.bincount(rows[answered], relative[answered], n) / np.maximum(count, 1)
    return np.where(count > 0, mean, np.nan)


def onboarding_delay(data: SampleData) -> np.ndarray:
    """Days go-live was late (365 if never), for accounts with 200+ days to show it."""
    milestones = data.milestones
    go_live = milestones["name"] == "go-live"
    late = (milestones["completed_on"] - milestones["due_date"])[go_live].astype(np.float64)
    late = np.where(np.isnat(milestones["completed_on"][go_live]), 365.0, late)
    old = (reference_day(data) - data.accounts["start_date"]).astype(np.int64) >= 200
    delay = np.full(data.accounts.n_rows, np.nan)
    delay[account_rows(data, "milestones")[go_live]] = late
    return np.where(old, delay, np.nan)


def champion_left(data: SampleData) -> np.ndarray:
    contacts = data.contacts
    departed = contacts["is_champion"] & ~np.isnat(contacts["left_on"])
    return np.bincount(account_rows(data, "contacts")[departed], minlength=data.accounts.n_rows) > 0


DRIVERS = [
    (usage_per_seat, "less"),
    (detractor_share, "greater"),
    (response_delay, "greater"),
    (onboarding_delay, "greater"),
]


@pytest.mark.parametrize(("driver", "alternative"), DRIVERS)
def test_churners_differ_on_each_driver(data: SampleData, driver, alternative: str) -> None:
    values, gone = driver(data), churned(data)
    known = ~np.isnan(values)
    result = stats.mannwhitneyu(
        values[gone & known], values[~gone & known], alternative=alternative
    )
    assert result.pvalue < 0.001


def test_churners_lost_their_champion_more_often(data: SampleData) -> None:
    left, gone = champion_left(data), churned(data)
    table = [
        [(left & gone).sum(), (~left & gone).sum()],
        [(left & ~gone).sum(), (~left & ~gone).sum()],
    ]
    odds, pvalue = stats.fisher_exact(table, alternative="greater")
    assert odds > 2
    assert pvalue < 1e-6


def test_a_simple_driver_score_ranks_churners(data: SampleData) -> None:
    """Equal-weight z-scores of the five drivers separate churners (AUC > 0.65)."""
    parts = [
        -usage_per_seat(data),
        detractor_share(data),
        response_delay(data),
        onboarding_delay(data),
        champion_left(data).astype(np.float64),
    ]
    score = np.zeros(data.accounts.n_rows)
    for part in parts:
        z = (part - np.nanmean(part)) / np.nanstd(part)
        score += np.where(np.isnan(z), 0.0, z)
    gone = churned(data)
    auc = stats.mannwhitneyu(score[gone], score[~gone]).statistic / (gone.sum() * (~gone).sum())
    assert auc > 0.65


# --- files and arguments -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_write_reads_back(small: SampleData, tmp_path, fmt: str) -> None:
    folder = tmp_path / "nested" / "sample"
    paths = small.write(folder, format=fmt)
    assert [p.name for p in paths] == [f"{name}.{fmt}" for name in TABLES]
    for path, (name, model) in zip(paths, TABLES.items()):
        assert load_table(path, model) == small.tables()[name]


def test_write_rejects_an_unknown_format(small: SampleData, tmp_path) -> None:
    fmt: Any = "parquet"
    with pytest.raises(InvalidInputError, match="`format` must be one of"):
        small.write(tmp_path, format=fmt)


def test_records_rejects_an_unknown_table(small: SampleData) -> None:
    name: Any = "orders"
    with pytest.raises(InvalidInputError, match="'orders'"):
        small.records(name)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_accounts": 0}, "`n_accounts` must be a whole number from 1 to 100000, got 0"),
        ({"n_accounts": 2.5}, "`n_accounts` must be a whole number from 1 to 100000, got 2.5"),
        ({"n_accounts": True}, "`n_accounts` must be a whole number from 1 to 100000, got True"),
        ({"months": 0}, "`months` must be a whole number from 1 to 240, got 0"),
        ({"months": -3}, "`months` must be a whole number from 1 to 240, got -3"),
        ({"seed": "0"}, "`seed` must be a whole number >= 0, got '0'"),
        ({"seed": 1.0}, "`seed` must be a whole number >= 0, got 1.0"),
        ({"seed": -1}, "`seed` must be a whole number >= 0, got -1"),
        ({"as_of": datetime(2026, 1, 1)}, "`as_of` must be a datetime.date"),
        ({"as_of": "2026-01-01"}, "`as_of` must be a datetime.date"),
        ({"as_of": date(2, 1, 1), "months": 36}, "outside the years"),
        ({"n_accounts": 10**12}, "`n_accounts` must be a whole number from 1 to 100000"),
        ({"months": 10**12}, "`months` must be a whole number from 1 to 240"),
        ({"n_accounts": 40_000, "months": 120}, "`n_accounts` x `months` must be at most"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        sample(**kwargs)
    assert message in str(info.value)


def test_tables_are_tables(small: SampleData) -> None:
    assert all(isinstance(t, Table) for t in small.tables().values())
