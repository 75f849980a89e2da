"""``lifecycle.classify`` on 1,000,000 accounts, beside a plain-Python loop over accounts.

Run from ``benchmarks/``: ``python bench_lifecycle.py [--accounts 1000000] [--repeat 3]
[--loop-accounts 20000]`` (``--rows`` is another name for ``--accounts``: the CI runs
every benchmark with ``--rows 20000 --repeat 1``). Everything runs on one core (the script
starts itself again with the BLAS thread pools pinned to 1).

The data, as of 2025-07-01, with text account ids (``"A-0000042"``):

* accounts: starts over the four years before ``as_of`` (1% start on or after it: not in
  scope, counted), 15% with an ``end_date``, a yearly ``renewal_date``, ``mrr``;
* milestones, 3 per account: kickoff and integration (required), first report (optional,
  marks first value); due 14, 45 and 60 days after the start; most completed around their
  due day, some late, some never, some after ``as_of`` (open then);
* health: `scoring.HealthScores` from `scoring.score` on a one-measure scorecard (bands
  red, yellow, green), for 95% of the accounts, taken on ``as_of``;
* NPS: relationship answers (0.8 per account, some accounts twice) before ``as_of``, and
  a few after it (not read);
* usage: a `MeasureTable` of ``seat_utilisation`` and ``usage_change`` for 90% of them.

Timed: ``classify`` with every input (the default rules); the same with the inputs given
as dicts of numpy columns, read and checked on every call, instead of `Table` objects;
the same with integer account ids (matching each input's text ids to the accounts is
most of the time with text ids);
the plain-Python code a user writes for the same default rules (group the milestones and
answers by account, then one loop over the accounts), timed on the first
``--loop-accounts`` accounts and scaled to all of them, so it is an estimate; ``history``
on the accounts x 12 month-end dates (milestones and NPS: health and usage would have to
be computed per day); ``transitions`` between two assignments, counted and weighted by MRR.
The stages and flags of the loop and of ``classify`` are checked to agree on the
subsample before anything is timed.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

import numpy as np
from numpy.typing import NDArray

from _timing import best_of, one_core
from cshealth import MeasureTable, lifecycle, scoring, to_columns
from cshealth.models import Account, Milestone, SurveyResponse

AS_OF = date(2025, 7, 1)
DAY = np.datetime64(AS_OF, "D")
NAMES = np.array(["kickoff", "integration", "first report"], dtype=object)
CARD = scoring.Scorecard.model_validate(
    {
        "name": "bench",
        "root": {
            "name": "overall",
            "children": [
                {
                    "name": "h",
                    "column": "h",
                    "transform": {"kind": "linear", "worst": 0, "best": 100},
                }
            ],
        },
    }
)


Columns = Mapping[str, NDArray[np.generic]]


@dataclass(frozen=True)
class Inputs:
    """What ``classify`` is given: record columns (dicts of arrays, or `Table` objects)."""

    accounts: Columns
    milestones: Columns
    health: scoring.HealthScores
    nps: Columns
    usage: MeasureTable


def data(n: int, *, text_ids: bool = True) -> Inputs:
    """Accounts, milestones, health scores, NPS answers and usage measures of ``n`` accounts.

    The same data whatever ``text_ids`` says, but for the ids: ``"A-0000042"`` or ``42``.
    """
    rng = np.random.default_rng(11)
    names = np.array([f"A-{i:07d}" for i in range(n)], dtype=object)
    ids = names if text_ids else np.arange(n, dtype=np.int64)
    start = DAY - rng.integers(-15, 4 * 365, n)  # about 1% start on or after as_of
    ended = rng.random(n) < 0.15
    end = np.where(ended, start + rng.integers(30, 3 * 365, n), np.datetime64("NaT")).astype(
        "datetime64[D]"
    )
    years = np.maximum((DAY - start).astype(np.int64) // 365 + 1, 1)
    renewal = (start.astype("datetime64[M]") + 12 * years).astype("datetime64[D]")
    renewal = np.where(ended, np.datetime64("NaT"), renewal).astype("datetime64[D]")
    accounts = {
        "id": ids,
        "name": names,
        "start_date": start,
        "end_date": end,
        "renewal_date": renewal,
        "mrr": np.round(rng.gamma(2.0, 400.0, n), 2),
    }
    owner = np.repeat(np.arange(n), 3)
    due = start[owner] + np.tile(np.array([14, 45, 60]), n)
    slip = rng.normal(0, 20, 3 * n).round().astype(np.int64)
    done = rng.random(3 * n) < 0.85
    completed = np.maximum(due + slip, start[owner])
    milestones = {
        "id": np.arange(3 * n),
        "account_id": ids[owner],
        "name": np.tile(NAMES, n),
        "required": np.tile(np.array([True, True, False]), n),
        "due_date": due,
        "completed_on": np.where(done, completed, np.datetime64("NaT")).astype("datetime64[D]"),
        "marks_first_value": np.tile(np.array([False, False, True]), n),
    }
    scored = np.flatnonzero(rng.random(n) < 0.95)
    values = {"account_id": ids[scored], "h": rng.uniform(0, 100, len(scored))}
    health = scoring.score(CARD, values, as_of=AS_OF)
    answers = rng.integers(0, n, int(0.8 * n))
    answered = (DAY - rng.integers(-10, 700, len(answers))).astype("datetime64[us]")
    seconds = rng.integers(0, 86_400, len(answers)) * np.timedelta64(1_000_000, "us")
    nps = {
        "id": np.arange(len(answers)),
        "account_id": ids[answers],
        "kind": np.full(len(answers), "nps", dtype=object),
        "survey_type": np.full(len(answers), "relationship", dtype=object),
        "score": rng.choice(11, len(answers), p=[0.03] * 5 + [0.05, 0.05, 0.1, 0.15, 0.25, 0.25]),
        "submitted_at": answered + seconds,
    }
    measured = np.flatnonzero(rng.random(n) < 0.9)
    usage = MeasureTable(
        ids[measured],
        {
            "seat_utilisation": rng.beta(4, 3, len(measured)),
            "usage_change": rng.normal(-0.05, 0.3, len(measured)),
        },
        as_of=np.datetime64(AS_OF, "us"),
    )
    return Inputs(accounts, milestones, health, nps, usage)


def tables(inputs: Inputs) -> Inputs:
    """The same inputs with the record columns read once into `Table` objects."""
    return replace(
        inputs,
        accounts=to_columns(inputs.accounts, Account),
        milestones=to_columns(inputs.milestones, Milestone),
        nps=to_columns(inputs.nps, SurveyResponse),
    )


def classify(
    inputs: Inputs, day: date = AS_OF, *, measured: bool = True
) -> lifecycle.StageAssignments:
    """``classify`` on ``inputs`` (without health and usage when not ``measured``)."""
    return lifecycle.classify(
        inputs.accounts,
        as_of=day,
        milestones=inputs.milestones,
        health=inputs.health if measured else None,
        nps=inputs.nps,
        usage=inputs.usage if measured else None,
    )


# --- the plain-Python loop ---------------------------------------------------------------


def records(inputs: dict[str, object], k: int) -> dict[str, list[tuple[object, ...]]]:
    """The first ``k`` accounts and their rows as lists of tuples (a database cursor's)."""
    accounts, health = inputs.accounts, inputs.health
    keep = set(accounts["id"][:k].tolist())

    def rows(columns: Columns, key: str, names: list[str]) -> list[tuple[object, ...]]:
        mine = np.fromiter((a in keep for a in columns[key].tolist()), dtype=bool)
        return list(zip(*(np.asarray(columns[name])[mine].tolist() for name in names)))

    scores = {"account_id": health.account_ids, "score": health.score, "band": health.band}
    return {
        "accounts": rows(accounts, "id", ["id", "start_date", "end_date", "renewal_date"]),
        "milestones": rows(
            inputs.milestones, "account_id", ["account_id", "required", "due_date", "completed_on"]
        ),
        "nps": rows(inputs.nps, "account_id", ["account_id", "score", "submitted_at"]),
        "health": rows(scores, "account_id", ["account_id", "score", "band"]),
        "usage": rows(
            {name: np.asarray(column) for name, column in inputs.usage.items()},
            "account_id",
            ["account_id", "seat_utilisation", "usage_change"],
        ),
    }


def by_hand(rows: dict[str, list[tuple[object, ...]]], day: date) -> dict[object, tuple]:
    """The default rules, account by account: ``{account: (stage, sorted flags)}``."""
    instant = datetime(day.year, day.month, day.day, tzinfo=timezone.utc).replace(tzinfo=None)
    plans: dict[object, list[tuple]] = defaultdict(list)
    for account, required, due, completed in rows["milestones"]:
        plans[account].append((required, due, completed))
    latest: dict[object, tuple] = {}
    for account, score, when in rows["nps"]:
        if when < instant and (account not in latest or latest[account][0] <= when):
            latest[account] = (when, score)
    health = {a: (score, band) for a, score, band in rows["health"]}
    usage = {a: (seats, change) for a, seats, change in rows["usage"]}
    out: dict[object, tuple] = {}
    for account, start, end, renewal in rows["accounts"]:
        if start >= day:
            continue  # not a customer yet: not in scope
        facts = Facts(
            customer=end is None or end > day,
            days_to_renewal=None if renewal is None else (renewal - day).days,
            onboarding=onboarding_of(day, start, plans.get(account, [])),
            answer=None if account not in latest else latest[account][1],
            health=health.get(account, (float("nan"), None)),
            usage=usage.get(account, (float("nan"), float("nan"))),
        )
        out[account] = (stage_of(facts), flags_of(facts)) if facts.customer else ("churned", ())
    return out


@dataclass(frozen=True)
class Facts:
    """What the default rules read of one account."""

    customer: bool
    days_to_renewal: int | None
    onboarding: tuple[bool, int | None, str | None]  # complete, days since, status
    answer: int | None
    health: tuple[float, str | None]
    usage: tuple[float, float]

    @property
    def seats(self) -> float | None:
        return None if np.isnan(self.usage[0]) else self.usage[0]

    @property
    def promoter(self) -> bool:
        return self.answer is not None and self.answer >= 9


def onboarding_of(day: date, start: date, plan: list[tuple]) -> tuple[bool, int | None, str | None]:
    """Complete or not, days since complete, and the status (``None`` without milestones)."""
    if not plan:  # no milestones: onboarding takes 90 days from the start
        complete = (day - start).days >= 90
        return complete, (day - start).days - 90 if complete else None, None
    required = [(due, done) for is_required, due, done in plan if is_required]
    done = [d for _, d in required if d is not None and d < day]
    complete = len(done) == len(required)
    since = (day - max(done)).days if complete and required else None
    open_ = [due for due, d in required if (d is None or d >= day) and due is not None]
    worst = max([0, *((day - due).days for due in open_)])
    if complete:
        status = "complete"
    elif worst > 30:
        status = "stuck"
    elif worst > 0:
        status = "behind"
    elif any(0 <= (due - day).days <= 7 for due in open_):
        status = "due_soon"
    else:
        status = "on_track"
    return complete, since, status


def stage_of(f: Facts) -> str:
    complete, since, _ = f.onboarding
    seats = f.seats
    if f.days_to_renewal is not None and 0 <= f.days_to_renewal <= 90:
        return "renewal"
    if not complete:
        return "onboarding"
    if (since is not None and since < 90) or (seats is not None and seats < 0.5):
        return "adoption"
    if seats is not None and seats >= 0.9:
        return "expansion"
    if f.promoter and f.health[1] == "green":
        return "advocacy"
    return "engagement"


def flags_of(f: Facts) -> tuple[str, ...]:
    stuck = f.onboarding[2] == "stuck"
    detractor = f.answer is not None and f.answer < 7
    dropped = not np.isnan(f.usage[1]) and f.usage[1] <= -0.5
    seats = f.seats
    flags = {
        "at_risk": f.health[1] == "red" or detractor or dropped or stuck,
        "stuck_onboarding": stuck,
        "expansion_ready": seats is not None and seats >= 0.9,
        "advocate": f.promoter,
    }
    return tuple(sorted(name for name, on in flags.items() if on))


def agree(ours: lifecycle.StageAssignments, theirs: dict[object, tuple]) -> int:
    """Check the first accounts of ``ours`` against the loop's; the number compared."""
    k = len(theirs)
    assert ours.account_ids[:k].tolist() == list(theirs), "the accounts differ"
    for row, (account, (stage, flags)) in enumerate(theirs.items()):
        mine = (ours.stage[row], tuple(sorted(ours.flags_of(row))))
        assert mine == (stage, flags), f"{account}: classify {mine}, loop {(stage, flags)}"
    return k


def month_ends(day: date, months: int) -> list[date]:
    """The last days of the ``months`` calendar months before ``day``'s month."""
    first = day.replace(day=1)
    out = []
    for _ in range(months):
        first_before = (first - timedelta(days=1)).replace(day=1)
        out.append(first - timedelta(days=1))
        first = first_before
    return sorted(out)


def main() -> None:
    one_core()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", "--rows", type=int, default=1_000_000, dest="accounts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-accounts", type=int, default=20_000)
    args = parser.parse_args()
    n = args.accounts
    k = min(args.loop_accounts, n)
    raw = data(n)
    inputs = tables(raw)

    ours = classify(inputs)
    rows = records(raw, k)
    compared = agree(ours, by_hand(rows, AS_OF))
    same = classify(raw)
    assert same.stage.tolist() == ours.stage.tolist(), "columns and tables disagree"

    engine = best_of(args.repeat, lambda: classify(inputs))
    from_columns = best_of(args.repeat, lambda: classify(raw))
    numbered = tables(data(n, text_ids=False))
    assert classify(numbered).stage.tolist() == ours.stage.tolist(), "ids changed a stage"
    integers = best_of(args.repeat, lambda: classify(numbered))
    loop = best_of(args.repeat, lambda: by_hand(rows, AS_OF)) * n / k
    counts = ", ".join(f"{name} {count:,}" for name, count in ours.counts().items())
    print(
        f"{n:,} accounts as of {AS_OF} ({ours.not_started:,} not started), "
        f"{len(raw.milestones['name']):,} milestones, "
        f"{len(raw.nps['score']):,} NPS answers, {len(raw.health.account_ids):,} health "
        f"scores, {len(raw.usage.account_ids):,} usage measures"
    )
    print(f"  stages: {counts}")
    print(f"  classify, default rules, Table inputs (best of {args.repeat}): {engine:7.3f} s")
    print(f"  classify, inputs as dicts of numpy columns:      {from_columns:7.3f} s")
    print(f"  classify, Table inputs, integer account ids:     {integers:7.3f} s")
    print(
        f"  plain-Python loop, the same rules:               {loop:7.3f} s  ESTIMATE: timed "
        f"on {k:,} accounts and scaled x{n / k:,.1f}; {loop / engine:,.1f}x classify"
    )
    print(f"  stages and flags agree with the loop on {compared:,} accounts (checked)")

    days = month_ends(AS_OF, 12)
    clock = time.perf_counter()
    grid = lifecycle.history(
        inputs.accounts, dates=days, milestones=inputs.milestones, nps=inputs.nps
    )
    history = time.perf_counter() - clock  # one run: it is long
    print(
        f"  history on {len(days)} month-ends {days[0]} to {days[-1]} ({len(grid):,} rows; "
        f"milestones and NPS)  {history:7.2f} s  ({history / len(days):.3f} s a day)"
    )
    # two days from the same inputs: health and usage measures of as_of may not be given
    # for the earlier day (they were taken after it)
    before = classify(inputs, AS_OF - timedelta(days=91), measured=False)
    after = classify(inputs, measured=False)
    flow = lifecycle.transitions(before, after)
    counted = best_of(args.repeat, lambda: lifecycle.transitions(before, after))
    weighted = best_of(args.repeat, lambda: lifecycle.transitions(before, after, weight="mrr"))
    print(
        f"  transitions between {before.as_of} and {after.as_of} ({int(flow.counts.sum()):,} "
        f"accounts): counted {counted:.3f} s, weighted by MRR {weighted:.3f} s"
    )


if __name__ == "__main__":
    main()
