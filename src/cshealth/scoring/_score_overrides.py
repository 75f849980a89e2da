"""Overrides in a scoring run: which apply, on which node, and which are skipped and why.

`check_overrides` reads the caller's overrides; `_override_day` is the day they are
judged on (``as_of``'s date; expiring overrides need one); `_known_nodes` checks, for a
`ScorecardSet`, that each names a node of some scorecard. `_overrides` then finds, for
one scorecard, each active override's node (`_override_node`, which checks its scope)
and builds the ``{node: (accounts, values)}`` masks the kernel applies, with the
overrides applied and those skipped (expired, or naming a node the account's scorecard
does not have), each with its reason.
"""

from __future__ import annotations

from datetime import date
from typing import cast

import numpy as np

from cshealth._checks import items, shown
from cshealth._exceptions import ConfigError, InvalidInputError
from cshealth._time import to_datetime
from cshealth.scoring._engine import Overrides
from cshealth.scoring._inputs import Inputs
from cshealth.scoring._override import Override
from cshealth.scoring._plan import Plan

__all__ = ["check_overrides"]


def check_overrides(overrides: object, name: str) -> tuple[Override, ...]:
    """``overrides`` as a tuple, checked to hold `Override` items only.

    Raises:
        InvalidInputError: On anything that is not an iterable of `Override` items.
    """
    listed = items(overrides, name, "Override items")
    for position, item in enumerate(listed):
        if not isinstance(item, Override):
            msg = (
                f"`{name}` must hold Override items; position {position} holds "
                f"{type(item).__name__} {shown(item)}"
            )
            raise InvalidInputError(msg)
    return cast("tuple[Override, ...]", tuple(listed))


def _known_nodes(plans: list[Plan], overrides: tuple[Override, ...]) -> None:
    """An override must name a node of at least one scorecard of the set."""
    names = {name for plan in plans for name in plan.index}
    for override in overrides:
        if override.scope != "overall" and override.node not in names:
            msg = (
                f"override of account {override.account_id!r} names node {override.node!r}, "
                f"which no scorecard of the set has; the nodes are {sorted(names)}"
            )
            raise ConfigError(msg)


def _override_day(overrides: tuple[Override, ...], instant: np.datetime64 | None) -> date | None:
    if instant is None:
        expiring = [o for o in overrides if o.expires_on is not None]
        if expiring:
            msg = (
                f"override of {expiring[0].account_id!r} expires on {expiring[0].expires_on}: "
                "pass `as_of` to say whether it still applies"
            )
            raise InvalidInputError(msg)
        return None
    return to_datetime(instant).date()


def _overrides(
    plan: Plan,
    inputs: Inputs,
    overrides: tuple[Override, ...],
    day: date | None,
    *,
    strict: bool,
) -> tuple[Overrides, tuple[Override, ...], tuple[tuple[Override, str], ...]]:
    if not overrides:
        return {}, (), ()
    position = {account: row for row, account in enumerate(inputs.account_ids.tolist())}
    by_node: dict[int, list[tuple[int, float]]] = {}
    taken: dict[tuple[int | str, int], Override] = {}
    applied: list[Override] = []
    skipped: list[tuple[Override, str]] = []
    for override in overrides:
        row = position.get(override.account_id)
        try:
            node = _override_node(plan, override)
        except ConfigError as error:
            if strict:
                raise
            if row is not None:
                skipped.append((override, f"{error} (scorecard {plan.card.name!r})"))
            continue
        if row is None:
            continue  # another scorecard's account, or not in the data (reported once)
        if day is not None and not override.active(day):
            skipped.append((override, f"expired on {override.expires_on}"))
            continue
        key = (override.account_id, node)
        if key in taken:
            msg = (
                f"two active overrides of {plan.nodes[node].name!r} for account "
                f"{override.account_id!r} (by {taken[key].author} and {override.author}); "
                "keep one"
            )
            raise InvalidInputError(msg)
        taken[key] = override
        by_node.setdefault(node, []).append((row, override.value))
        applied.append(override)
    out: Overrides = {}
    for node, pairs in by_node.items():
        mask = np.zeros(inputs.n, dtype=bool)
        value = np.zeros(inputs.n)
        index = np.array([r for r, _ in pairs], dtype=np.int64)
        mask[index] = True
        value[index] = [v for _, v in pairs]
        out[node] = (mask, value)
    return out, tuple(applied), tuple(skipped)


def _override_node(plan: Plan, override: Override) -> int:
    root = plan.nodes[plan.root]
    if override.scope == "overall":
        if override.node not in (None, root.name):
            msg = (
                f"an overall override names the root {root.name!r} or no node, "
                f"got {override.node!r}"
            )
            raise ConfigError(msg)
        return plan.root
    name = override.node or ""
    if name not in plan.index:
        msg = (
            f"override of account {override.account_id!r} names node {name!r}, which "
            f"scorecard {plan.card.name!r} does not have; its nodes are {list(plan.index)}"
        )
        raise ConfigError(msg)
    index = plan.index[name]
    is_measure = plan.nodes[index].measure >= 0
    if (override.scope == "measure") != is_measure or index == plan.root:
        kind = "a measure" if is_measure else ("the root" if index == plan.root else "a group")
        msg = (
            f"override of account {override.account_id!r} has scope {override.scope!r} "
            f"but {name!r} is {kind}"
        )
        raise ConfigError(msg)
    return index
