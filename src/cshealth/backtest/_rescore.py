"""A panel's observations scored by another scorecard, from the node scores the panel holds.

A `Panel` keeps every scorecard node's score per observation (``node_scores``). The
measures' scores are all a scorecard's kernel reads: the groups, the missing-data
policies, the coverage floors and the bands follow from them. So a scorecard that differs
from the panel's only above its measures (other group weights, as `fit_weights` makes)
scores the panel's observations without reading the inputs again: `card_scores` scores
the measures' node scores with `cshealth.scoring.score` under a copy of the scorecard
whose measures take their score as it is, with no freshness limit (a stale input is
already a NaN score). The identity must be exact, or scores tied on the scorecard's own
terms (coarse scores tie often) and scores on a band edge would part by a rounding error:
``linear`` from 0 to 100 divides by 100 and multiplies back, which turns 57 into
56.99999999999999. So each measure's transform becomes ``thresholds`` on its own distinct
scores, which hands back each score as it is given. The result equals
``scoring.score(card, inputs)`` of each date's inputs exactly.

`scored_panel` holds a panel to that: the panel's scores must be those its scorecard
gives its node scores, which fails when the scores carried overrides (a person's score in
place of a group's or the overall one) or were changed after scoring.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from cshealth._checks import shown
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray
from cshealth.backtest._panel_result import Panel
from cshealth.scoring import HealthScores, Scorecard, score

__all__ = ["TOLERANCE", "card_scores", "rescore", "scored_panel"]

#: Points two scores of one observation may differ by and still be the same score.
TOLERANCE = 1e-9


def _identity(values: FloatArray) -> dict[str, object]:
    """A ``thresholds`` transform taking each of ``values`` to itself, exactly.

    The cuts are the distinct values but the lowest: a value ``d_j`` (the ``j``-th
    smallest) has ``j`` cuts at or below it, so it takes the ``j``-th score, ``d_j``.
    """
    distinct = np.unique(values[~np.isnan(values)])
    if len(distinct) < 2:  # one cut is needed: a value above them all
        distinct = np.array([distinct[0] if len(distinct) else 0.0] * 2)
        cuts = [float(distinct[0]) + 1.0]
    else:
        cuts = distinct[1:].tolist()
    closure = "lower_inclusive"
    return {"kind": "thresholds", "cuts": cuts, "scores": distinct.tolist(), "closure": closure}


def _identity_card(card: Scorecard, values: list[FloatArray]) -> Scorecard:
    """``card`` with measure ``i`` reading column ``node i`` and scoring it as it is."""
    tree = card.model_dump(mode="json")
    count = 0

    def visit(node: dict[str, object]) -> None:
        nonlocal count
        children = node.get("children")
        if isinstance(children, list):
            for child in children:
                visit(child)
            return
        node.update(column=f"node {count}", transform=_identity(values[count]))
        node.update(max_age_days=None, observed_at=None)
        count += 1

    visit(tree["root"])
    return Scorecard.model_validate(tree)


def card_scores(card: Scorecard, panel: Panel) -> HealthScores:
    """``card``'s scores of the panel's observations, from their measures' node scores.

    The accounts of the result are the row numbers ``0 .. n - 1`` (an account observed
    on several dates is several rows).

    Raises:
        InvalidInputError: When the panel lacks the node scores of a measure of ``card``.
    """
    measures = [m.name for m in card.measures()]
    missing = [name for name in measures if name not in panel.node_scores]
    if missing:
        msg = (
            f"the panel has no node scores of {missing}, measures of scorecard {card.name!r}: "
            f"its node scores are {sorted(panel.node_scores)}; build the panel from scores "
            "of that scorecard"
        )
        raise InvalidInputError(msg)
    values = [panel.node_scores[name] for name in measures]
    data: dict[str, object] = {"account_id": np.arange(panel.n)}
    data.update({f"node {i}": column for i, column in enumerate(values)})
    return score(_identity_card(card, values), data)


def scored_panel(card: Scorecard, panel: object) -> Panel:
    """``panel``, checked to hold ``card``'s scores of its node scores.

    Raises:
        InvalidInputError: On something other than a `Panel`, a panel whose
            configuration hash is not ``card``'s (both named), one lacking the node
            scores of a measure of ``card``, or one whose scores are not what ``card``
            gives its node scores (the first such observation named).
    """
    if not isinstance(panel, Panel):
        msg = (
            f"`panel` must be a backtest Panel (from `backtest.panel`), got "
            f"{type(panel).__name__}: the fit reads the scorecard's node scores it holds"
        )
        raise InvalidInputError(msg)
    if panel.config_hash != card.config_hash:
        scored_by = (
            f"the scorecard with hash {panel.config_hash}"
            if panel.config_hash is not None
            else "scorecards that differ between its dates (no one hash)"
        )
        msg = (
            f"`panel` was scored by {scored_by}, not by `card` {card.name!r} (hash "
            f"{card.config_hash}): give the scorecard that scored the panel"
        )
        raise InvalidInputError(msg)
    scores = card_scores(card, panel).score
    given = panel.score
    differ = np.isnan(given) != np.isnan(scores)
    with np.errstate(invalid="ignore"):
        differ |= np.abs(given - scores) > TOLERANCE
    if differ.any():
        row = int(np.flatnonzero(differ)[0])
        msg = (
            f"the panel's score of account {shown(panel.account_ids[row])} on {panel.as_of[row]} "
            f"is {given[row]}, but scorecard {card.name!r} gives its node scores "
            f"{scores[row]}: the panel's scores carry overrides or were changed after "
            "scoring; build the panel from scores without overrides"
        )
        raise InvalidInputError(msg)
    return panel


def rescore(panel: Panel, card: Scorecard) -> Panel:
    """The panel's observations scored by ``card``: score, band, the root's node score.

    ``card`` must differ from the panel's scorecard only above the measures (in group
    weights, say); the other nodes' scores are kept, the configuration hash is
    ``card``'s.

    Examples:
        >>> from datetime import date
        >>> card = Scorecard.model_validate(
        ...     {
        ...         "name": "two",
        ...         "root": {
        ...             "name": "all",
        ...             "children": [
        ...                 {"name": "a", "column": "a", "transform": {"kind": "boolean"}},
        ...                 {"name": "b", "column": "b", "transform": {"kind": "boolean"}},
        ...             ],
        ...         },
        ...     }
        ... )
        >>> p = Panel(
        ...     account_ids=np.array(["x", "y"], dtype=object),
        ...     as_of=np.array(["2025-01-01", "2025-01-01"], dtype="datetime64[D]"),
        ...     score=np.array([50.0, 100.0]),
        ...     band=np.array(["yellow", "green"], dtype=object),
        ...     churned=np.array([True, False]),
        ...     mrr=np.array([10.0, 20.0]),
        ...     dates=(date(2025, 1, 1),),
        ...     node_scores={
        ...         "a": np.array([0.0, 100.0]),
        ...         "b": np.array([100.0, 100.0]),
        ...         "all": np.array([50.0, 100.0]),
        ...     },
        ...     config_hash=card.config_hash,
        ... )
        >>> tree = card.model_dump()
        >>> tree["root"]["children"][0]["weight"] = 3.0
        >>> after = rescore(p, Scorecard.model_validate(tree))
        >>> after.score.tolist(), after.band.tolist()
        ([25.0, 100.0], ['red', 'green'])
    """
    scored = card_scores(card, panel)
    nodes = dict(panel.node_scores)
    nodes[card.root.name] = scored.score
    return dataclasses.replace(
        panel,
        score=scored.score,
        band=scored.band,
        node_scores=nodes,
        config_hash=card.config_hash,
        _config_hashes=(card.config_hash,) * len(panel.dates),
    )
