"""User-level events of the sample: the generator's parts against references, and the
world they come from (seats, customer days, feature rule, utilisation) against the rows.

The parts are checked on worked examples and against deliberately different references
(enumerating the 2^7 day patterns of a week, scipy's root finder); the whole table on a
small simulated world whose matrices the tests can read.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from cshealth.datasets._accounts import Firms, draw_firms
from cshealth.datasets._common import Calendar, day_number
from cshealth.datasets._events import (
    _GRID,
    EVENT_DAYS,
    FADE_FLOOR,
    VISIT_SHARE,
    WEEKEND,
    _fade,
    _features,
    _invert,
    _members,
    _solve,
    _Users,
    _utilisation,
    _weekly_share,
    event_table,
)
from cshealth.datasets._onboarding import plan_onboarding
from cshealth.datasets._tickets import REGION_UTC_OFFSET
from cshealth.datasets._usage import FEATURES, Usage, draw_usage, feature_use
from cshealth.datasets._world import History, simulate
from cshealth.io import Table
from cshealth.models import UsageEvent

NAMES = [f[0] for f in FEATURES]
RATES = np.array([f[2] for f in FEATURES])


@dataclasses.dataclass(frozen=True)
class World:
    calendar: Calendar
    firms: Firms
    history: History
    usage: Usage
    events: Table

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Account row, user number, day number and seconds into the UTC day of each event."""
        ids = self.firms.ids.astype(str)
        account = np.searchsorted(ids, self.events["account_id"].astype(str))
        number = np.array([int(u.rsplit("-", 1)[1]) for u in self.events["user_id"]])
        micros = self.events["occurred_at"].astype(np.int64)
        day = micros // 86_400_000_000
        return account, number, day, micros // 1_000_000 - day * 86_400


def simulate_world(seed: int, n: int, *, months: int = 24, as_of: date = date(2025, 7, 1)) -> World:
    rng = np.random.default_rng(seed)
    calendar = Calendar.ending(as_of, months)
    firms = draw_firms(rng, calendar, n)
    history = simulate(rng, calendar, firms, plan_onboarding(rng, firms.start, firms.health))
    usage = draw_usage(rng, calendar, firms, history)
    events = event_table(rng, calendar, firms, history, offset=usage.offset)
    return World(calendar, firms, history, usage, events)


@pytest.fixture(scope="module")
def world() -> World:
    return simulate_world(3, 600)


# --- the parts ------------------------------------------------------------------------------


@given(st.floats(0.0, 1.0))
def test_weekly_share_is_the_chance_of_any_active_day(p: float) -> None:
    """Enumerate the 2^7 patterns of a week (five weekdays, two weekend days)."""
    chances = [p] * 5 + [WEEKEND * p] * 2
    any_active = sum(
        np.prod([c if on else 1 - c for c, on in zip(chances, pattern)])
        for pattern in itertools.product([False, True], repeat=7)
        if any(pattern)
    )
    assert _weekly_share(np.array([p]))[0] == pytest.approx(any_active, abs=1e-12)


def test_members_lists_each_group_s_rows() -> None:
    # groups start at rows 10, 0 and 5 with 2, 0 and 3 members
    rows, groups = _members(np.array([10, 0, 5]), np.array([2, 0, 3]))
    assert rows.tolist() == [10, 11, 5, 6, 7]
    assert groups.tolist() == [0, 0, 2, 2, 2]


def test_solve_reaches_the_target_share_like_a_root_finder() -> None:
    rng = np.random.default_rng(8)
    users = _Users.draw(rng, np.array([1, 7, 60, 900, 0]))
    seats = np.array([[1, 1, 1], [7, 5, 0], [60, 60, 60], [900, 850, 900], [0, 0, 0]])
    target = rng.uniform(0.0, 0.95, seats.shape)
    target[2, 0] = 0.0005  # below the grid: solved linearly
    lam = _solve(users, seats, target)
    assert (lam[seats == 0] == 0).all()
    for a, i in zip(*np.nonzero(seats)):
        r = users.propensity[users.first[a] : users.first[a] + seats[a, i]]

        def gap(log_lam: float, r: np.ndarray = r, goal: float = target[a, i]) -> float:
            p = np.minimum(1.0, np.exp(log_lam) * r)
            share = 1 - (1 - p) ** 5 * (1 - WEEKEND * p) ** 2
            return float(share.mean()) - goal

        reference = np.exp(optimize.brentq(gap, np.log(1e-6), np.log(1e6), xtol=1e-12))
        achieved = gap(np.log(lam[a, i])) + target[a, i]
        assert achieved == pytest.approx(target[a, i], rel=0.01, abs=2e-4)
        if reference * r.max() < 1:  # the share is strictly increasing in lam there
            assert lam[a, i] == pytest.approx(reference, rel=0.02)


def test_invert_outside_the_grid() -> None:
    # a straight curve 0.1, 0.2, ... on the grid: below its start lam scales linearly,
    # above its end it stops at the grid's last value
    curve = np.linspace(0.1, 0.9, len(_GRID))[None, :].repeat(3, axis=0)
    lam = _invert(curve, np.array([0.05, 0.95, 0.1]))
    assert lam[0] == pytest.approx(_GRID[0] / 2)
    assert lam[1] == pytest.approx(_GRID[-1])
    assert lam[2] == pytest.approx(_GRID[0])


def test_utilisation_is_interpolated_between_month_middles() -> None:
    calendar = Calendar.ending(date(2025, 4, 1), 3)  # January, February, March 2025
    util = np.array([[0.2, 0.4, 0.8]])
    # Middles: Jan 16 12:00 (15.5 days after Jan 1), Feb 15 00:00 (day 45), Mar 16 12:00
    # (day 74.5); 29.5 days apart both times.
    days = np.array([date(2025, 1, 1), date(2025, 2, 15), date(2025, 3, 1), date(2025, 3, 31)])
    got = _utilisation(calendar, util, np.array([day_number(d) for d in days]))[0]
    # Jan 1 is 15.5 days before January's middle: extended back along January-February
    assert got[0] == pytest.approx(0.2 - 15.5 * 0.2 / 29.5)  # 0.0949
    assert got[1] == pytest.approx(0.4)  # February's middle
    assert got[2] == pytest.approx(0.4 + 14 * 0.4 / 29.5)  # 0.5898
    # Mar 31 is 14.5 days past March's middle: extended along February-March
    assert got[3] == pytest.approx(0.8 + 14.5 * 0.4 / 29.5)  # 0.9966
    single = Calendar.ending(date(2025, 2, 1), 1)
    assert _utilisation(single, np.array([[0.3]]), np.array([0, 1])).tolist() == [[0.3, 0.3]]


def test_utilisation_stays_a_share() -> None:
    calendar = Calendar.ending(date(2025, 4, 1), 3)
    util = np.array([[0.9, 0.95, 1.0], [0.3, 0.1, 0.0]])
    days = np.arange(calendar.start, calendar.as_of)
    got = _utilisation(calendar, util, days)
    assert ((got >= 0) & (got <= 1)).all()
    assert got[0, -1] == 1.0
    assert got[1, -1] == 0.0


def test_fade_before_a_churn() -> None:
    # a customer for 3 days, gone 2, back until the end of the window
    customer = np.array([[True, True, True, False, False, True, True]])
    fade = _fade(customer, np.arange(7))[0]
    left = np.array([3, 2, 1])  # days left, counting the day itself
    np.testing.assert_allclose(fade[:3], FADE_FLOOR + (1 - FADE_FLOOR) * left / 28)
    assert fade[5:].tolist() == [1.0, 1.0]  # no end in sight
    assert fade[2] < fade[1] < fade[0] < 1


def test_features_by_rate_among_the_allowed() -> None:
    rng = np.random.default_rng(5)
    n = 200_000
    allowed = np.zeros((n, len(FEATURES)), dtype=bool)
    allowed[: n // 2, [0, 5]] = True  # reports and api
    allowed[n // 2 : -1000, 1] = True  # dashboards only; the last 1,000 rows nothing
    pick = _features(rng, allowed)
    visit = pick == len(FEATURES)
    assert visit[-1000:].all()
    assert visit[:-1000].mean() == pytest.approx(VISIT_SHARE, abs=0.01)
    assert allowed[np.flatnonzero(~visit), pick[~visit]].all()
    first = pick[: n // 2][~visit[: n // 2]]
    counts = np.bincount(first, minlength=len(FEATURES))[[0, 5]]
    expected = counts.sum() * RATES[[0, 5]] / RATES[[0, 5]].sum()  # 3 : 12
    assert stats.chisquare(counts, expected).pvalue > 0.001


def test_user_ids_follow_the_account_ids() -> None:
    rng = np.random.default_rng(0)
    firms = dataclasses.replace(
        draw_firms(rng, Calendar.ending(date(2025, 1, 1), 12), 3),
        ids=np.array(["A-00001", "A-00002", "A-00042"]),
    )
    assert _Users.draw(rng, np.array([1, 0, 12])).ids(firms).tolist() == [
        "U-00001-001",
        *(f"U-00042-{k:03d}" for k in range(1, 13)),
    ]
    wide = _Users.draw(rng, np.array([0, 1200, 1])).ids(firms)
    assert wide[[0, 999, 1199, 1200]].tolist() == [
        "U-00002-0001",
        "U-00002-1000",
        "U-00002-1200",
        "U-00042-0001",
    ]


# --- the table --------------------------------------------------------------------------------


def test_table_is_a_validated_usage_event_table(world: World) -> None:
    events = world.events
    assert events.model is UsageEvent
    assert events.columns == ("account_id", "user_id", "occurred_at", "feature")
    assert events["occurred_at"].dtype == np.dtype("datetime64[us]")
    assert events["account_id"].dtype == object
    assert set(events["feature"].tolist()) == {*NAMES, None}
    assert events.n_rows > 50_000


def test_events_lie_in_the_eight_weeks_before_as_of(world: World) -> None:
    as_of = world.calendar.as_of
    _, _, day, second = world.rows()
    assert day.min() == as_of - EVENT_DAYS
    assert day.max() == as_of - 1
    assert (second >= 0).all()
    assert (second < 86_400).all()


def test_rows_sorted_by_account_instant_user(world: World) -> None:
    account, number, _, _ = world.rows()
    instant = world.events["occurred_at"].astype(np.int64)
    order = np.lexsort((number, instant, account))
    assert (order == np.arange(len(order))).all()


def test_events_only_by_licensed_users_of_customers(world: World) -> None:
    calendar, history = world.calendar, world.history
    account, number, day, _ = world.rows()
    month = calendar.period_of(day)
    assert (history.low[account, month] <= day).all()
    assert (day < history.high[account, month]).all()
    assert (number >= 1).all()
    assert (number <= history.seats[account, month]).all()


def test_every_seat_is_a_user(world: World) -> None:
    """Users are numbered 1..seats, so big accounts show (nearly) every number."""
    account, number, _, _ = world.rows()
    most = np.zeros(world.firms.n, dtype=np.int64)
    np.maximum.at(most, account, number)
    seats = world.history.seats[:, -1]
    big = (seats >= 50) & (world.history.high[:, -1] == world.calendar.as_of)
    assert big.sum() > 20
    assert np.median(most[big] / seats[big]) > 0.97
    assert (most[big] > 0.7 * seats[big]).all()


def test_a_user_belongs_to_one_account(world: World) -> None:
    users = world.events["user_id"].astype(str)
    accounts = world.events["account_id"].astype(str)
    pairs = set(zip(users.tolist(), accounts.tolist()))
    assert len({u for u, _ in pairs}) == len(pairs)
    assert all(u.startswith("U-" + a[2:] + "-") for u, a in pairs)


def test_local_working_hours_mostly_weekdays(world: World) -> None:
    account, _, day, second = world.rows()
    shift = np.take(REGION_UTC_OFFSET, world.firms.region[account]) * 3600
    local = second + shift
    assert (local >= 8 * 3600).all()
    assert (local < 18 * 3600).all()
    weekend = (day + 3) % 7 >= 5
    assert 0.01 < weekend.mean() < 0.08  # 2/7 of the days at 12% of the activity


def test_features_follow_the_usage_rule(world: World) -> None:
    """An event's feature is in use by the account that month (rule and offsets of usage)."""
    calendar, firms, history = world.calendar, world.firms, world.history
    account, _, day, _ = world.rows()
    month = calendar.period_of(day)
    feature = world.events["feature"]
    named = np.flatnonzero([f is not None for f in feature])
    index = np.array([NAMES.index(f) for f in feature[named]])
    a, m = account[named], month[named]
    adopted = history.util[a, m] * (1 - np.exp(-(m - firms.cohort[a] + 0.5) / 4.0))
    offset = world.usage.offset
    covered = a < len(offset)
    used = feature_use(adopted[covered], offset[a[covered]], firms.plan[a[covered]])
    assert used[np.arange(covered.sum()), index[covered]].all()
    assert covered.mean() > 0.95
    visits = 1 - len(named) / len(feature)
    assert VISIT_SHARE < visits < VISIT_SHARE + 0.15


def test_weekly_active_users_track_the_usage_table(world: World) -> None:
    account, number, day, _ = world.rows()
    monday = day - (day + 3) % 7
    full = monday >= world.calendar.as_of - EVENT_DAYS  # weeks inside the window
    key = np.unique(np.stack([account[full], monday[full], number[full]]), axis=1)
    weeks, active = np.unique(key[:2], axis=1, return_counts=True)
    columns = world.usage.columns
    ids = world.firms.ids.astype(str)
    usage_account = np.searchsorted(ids, columns["account_id"].astype(str))
    usage_day = columns["day"].astype(np.int64)
    inside = usage_day >= weeks[1].min()
    reported = dict(
        zip(zip(usage_account[inside].tolist(), usage_day[inside].tolist()),
            columns["active_users"][inside].tolist())
    )  # fmt: skip
    counted = dict(zip(zip(weeks[0].tolist(), weeks[1].tolist()), active.tolist()))
    both = sorted(set(reported) | set(counted))
    x = np.array([reported.get(k, 0) for k in both])
    y = np.array([counted.get(k, 0) for k in both])
    assert len(both) > 1500
    assert np.corrcoef(x, y)[0, 1] > 0.9
    assert stats.spearmanr(x, y).statistic > 0.8
    assert 0.9 < y.sum() / x.sum() < 1.15


def test_falling_utilisation_shows_as_falling_activity() -> None:
    """Accounts whose utilisation fell over the window lose active users; others do not."""
    world = simulate_world(4, 1500)
    calendar, history = world.calendar, world.history
    account, number, day, _ = world.rows()
    as_of = calendar.as_of
    user_days = np.unique(np.stack([account, day, number]), axis=1)
    first = np.bincount(user_days[0][user_days[1] < as_of - 42], minlength=world.firms.n)
    last = np.bincount(user_days[0][user_days[1] >= as_of - 14], minlength=world.firms.n)
    may, june, july = calendar.bounds[-3:]  # the window: May 6 to June 30
    stayed = (history.low[:, -2] == may) & (history.high[:, -2] == june)
    stayed &= (history.low[:, -1] == june) & (history.high[:, -1] == july)
    known = stayed & (first >= 20)
    trend = last[known] / first[known] - 1
    change = history.util[known, -1] - history.util[known, -3]  # June against April
    assert stats.spearmanr(change, trend).statistic > 0.4
    fell = change < -0.08
    assert fell.sum() > 30
    assert np.median(trend[fell]) < -0.2
    assert np.median(trend[fell]) < np.median(trend[~fell]) - 0.25


def test_churners_fade_before_their_end(world: World) -> None:
    history, calendar = world.history, world.calendar
    account, number, day, _ = world.rows()
    end = np.where(history.high[:, -1] < calendar.as_of, history.high[:, -1], -1)
    ending = np.flatnonzero(end >= calendar.as_of - 20)  # churned in the last 20 days
    assert len(ending) >= 3
    user_days = np.unique(np.stack([account, day, number]), axis=1)
    late = early = 0
    for a in ending.tolist():
        mine = user_days[1][user_days[0] == a]
        late += ((mine >= end[a] - 7) & (mine < end[a])).sum()
        early += ((mine >= end[a] - 35) & (mine < end[a] - 28)).sum()
    assert late < 0.8 * early


def test_same_generator_state_same_table() -> None:
    first = simulate_world(9, 80, months=6)
    second = simulate_world(9, 80, months=6)
    assert first.events == second.events
    assert first.events != simulate_world(10, 80, months=6).events


def test_no_customers_no_events() -> None:
    rng = np.random.default_rng(2)
    calendar = Calendar.ending(date(2025, 7, 1), 6)
    firms = draw_firms(rng, calendar, 20)
    history = simulate(rng, calendar, firms, plan_onboarding(rng, firms.start, firms.health))
    gone = dataclasses.replace(history, high=history.low)  # nobody is a customer any day
    events = event_table(rng, calendar, firms, gone, offset=np.zeros((0, len(FEATURES))))
    assert events.n_rows == 0
    assert events.columns == ("account_id", "user_id", "occurred_at", "feature")
    assert events["occurred_at"].dtype == np.dtype("datetime64[us]")


def test_a_window_shorter_than_eight_weeks() -> None:
    world = simulate_world(1, 40, months=1, as_of=date(2025, 3, 1))  # February only
    _, _, day, _ = world.rows()
    assert day.min() >= world.calendar.start
    assert day.max() < world.calendar.as_of
    assert world.events.n_rows > 0
