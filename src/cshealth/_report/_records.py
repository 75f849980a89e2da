"""The sections on the records themselves.

Tables, accounts, revenue, milestones, tickets, surveys, usage and people.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from cshealth._absent import absent_reason, shown
from cshealth._report._base import _NONE, Section, _counts, _distinct, _joined, _n, _span
from cshealth.io import Table


def _tables(tables: Mapping[str, Table], as_of: date) -> Section:
    figures = {name: table.n_rows for name, table in tables.items()}
    width = max((len(name) for name in figures), default=0)
    lines = tuple(f"{name:<{width}}  {_n(rows):>9} rows" for name, rows in figures.items())
    return Section("Tables", lines, figures)


def _accounts(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("accounts")
    if table is None:
        return None
    day = np.datetime64(as_of, "D")
    start, end = table.dates("start_date"), table.dates("end_date")
    active = (start <= day) & (np.isnat(end) | (end > day))
    churned = ~np.isnat(end) & (end <= day)
    children = int((~np.equal(table.texts("parent_id"), _NONE)).sum())
    segments = _counts(table.texts("segment"))
    live, source = _mrr_in_force(tables, as_of, active)
    ends_known = "end_date" not in table.absent  # without it, who churned is not measured
    figures: dict[str, object] = {
        "accounts": table.n_rows,
        "active": int(active.sum()) if ends_known else None,
        "churned": int(churned.sum()) if ends_known else None,
        "child_accounts": children,
        "segments": segments,
        "mrr_in_force": None if live is None else float(live.sum()),
        "median_mrr": float(np.median(live)) if live is not None and len(live) else None,
        "mrr_source": source,
    }
    status = (
        f"{_n(active.sum())} active and {_n(churned.sum())} churned of {_n(table.n_rows)}"
        if ends_known
        else f"{_n(table.n_rows)} accounts, active and churned {shown(absent_reason(['end_date']))}"
    )
    lines = (
        f"{status}; {_n(children)} are child accounts",
        f"by segment: {_joined(segments)}",
        _mrr_line(live, source),
        f"started: {_span(start)}",
    )
    return Section("Accounts", lines, figures)


def _mrr_in_force(
    tables: Mapping[str, Table], as_of: date, active: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """The MRR of each paying account on ``as_of`` and where it comes from.

    From the revenue changes when they are given (each account's latest change on or
    before ``as_of``: the MRR the waterfall ends at), else from the accounts' ``mrr``
    column (active accounts), else not measured (``None``).
    """
    changes = tables.get("revenue_changes")
    if changes is not None:
        when = changes.dates("effective_on")
        seen = np.flatnonzero(when <= np.datetime64(as_of, "D"))
        _, codes = np.unique(np.asarray(changes["account_id"])[seen], return_inverse=True)
        by = np.lexsort((when[seen].astype(np.int64), codes))  # by account, then date
        codes, rows = codes[by], seen[by]
        last = rows[np.r_[codes[1:] != codes[:-1], True]] if len(rows) else rows
        levels = changes.floats("mrr")[last]
        return levels[levels > 0], "revenue_changes"
    accounts = tables["accounts"]
    if "mrr" in accounts.absent:
        return None, "accounts"
    mrr = accounts.floats("mrr")
    return mrr[active & ~np.isnan(mrr)], "accounts"


def _mrr_line(live: np.ndarray | None, source: str) -> str:
    if live is None:
        return f"MRR in force: {shown('no `mrr` column in accounts and no revenue changes')}"
    median = _n(float(np.median(live))) if len(live) else "n/a"
    where = " (from the revenue changes" if source == "revenue_changes" else " (from `mrr`"
    return f"MRR in force: {_n(live.sum())}{where}; median paying account {median})"


def _revenue(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("revenue_changes")
    if table is None:
        return None
    zero = int((table.floats("mrr") == 0).sum())
    accounts = _distinct(table.ids("account_id"))
    figures = {"changes": table.n_rows, "to_zero": zero, "accounts": accounts}
    lines = (
        f"{_n(table.n_rows)} MRR changes over {_n(accounts)} accounts, "
        f"{_n(zero)} of them to 0 (churn)",
        f"effective: {_span(table.dates('effective_on'))}",
    )
    return Section("Revenue changes", lines, figures)


def _milestones(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("milestones")
    if table is None:
        return None
    day = np.datetime64(as_of, "D")
    due, done = table.dates("due_date"), table.dates("completed_on")
    completed = ~np.isnat(done)
    late = completed & ~np.isnat(due) & (done > due)
    overdue = ~completed & ~np.isnat(due) & (due < day)
    figures = {
        "milestones": table.n_rows,
        "completed": int(completed.sum()),
        "completed_late": int(late.sum()),
        "open": int((~completed).sum()),
        "open_overdue": int(overdue.sum()),
    }
    lines = (
        f"{_n(completed.sum())} of {_n(table.n_rows)} completed ({_n(late.sum())} late); "
        f"{_n((~completed).sum())} open, {_n(overdue.sum())} of them overdue",
    )
    return Section("Onboarding milestones", lines, figures)


def _tickets(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("tickets")
    if table is None:
        return None
    channels = _counts(table.texts("channel"))
    unresolved = int(np.isnat(table.dates("resolved_at")).sum())
    figures = {"tickets": table.n_rows, "channels": channels, "unresolved": unresolved}
    lines = (
        f"{_n(table.n_rows)} tickets; {_n(unresolved)} unresolved",
        f"by channel: {_joined(channels)}",
        f"created: {_span(table.dates('created_at'))}",
    )
    return Section("Support tickets", lines, figures)


def _surveys(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("survey_responses")
    if table is None:
        return None
    pairs = table.texts("kind") + " " + table.texts("survey_type")
    kinds = _counts(pairs)
    figures = {"responses": table.n_rows, "by_kind_and_type": kinds}
    lines = (
        f"{_n(table.n_rows)} responses: {_joined(kinds)}",
        f"submitted: {_span(table.dates('submitted_at'))}",
    )
    return Section("Survey responses", lines, figures)


def _usage(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("usage")
    if table is None:
        return None
    users = table.floats("active_users")
    accounts = _distinct(table.ids("account_id"))
    figures = {
        "rows": table.n_rows,
        "accounts": accounts,
        "mean_active_users": float(users.mean()) if len(users) else None,
    }
    mean = f"{users.mean():.1f}" if len(users) else "n/a"
    lines = (
        f"{_n(table.n_rows)} usage rows over {_n(accounts)} accounts; mean active users {mean}",
        f"days: {_span(table.dates('day'))}",
    )
    return Section("Product usage", lines, figures)


def _people(tables: Mapping[str, Table], as_of: date) -> Section | None:
    contacts, goals = tables.get("contacts"), tables.get("goals")
    if contacts is None and goals is None:
        return None
    lines: list[str] = []
    figures: dict[str, object] = {}
    if contacts is not None:
        champions = int(contacts.flags("is_champion").sum())
        left = int((~np.isnat(contacts.dates("left_on"))).sum())
        figures.update(contacts=contacts.n_rows, champions=champions, contacts_left=left)
        lines.append(
            f"{_n(contacts.n_rows)} contacts, {_n(champions)} champions, {_n(left)} have left"
        )
    if goals is not None:
        achieved = int((~np.isnat(goals.dates("achieved_on"))).sum())
        figures.update(goals=goals.n_rows, goals_achieved=achieved)
        lines.append(f"{_n(goals.n_rows)} success-plan goals, {_n(achieved)} achieved")
    return Section("People and goals", tuple(lines), figures)
