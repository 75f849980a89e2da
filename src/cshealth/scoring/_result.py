"""`HealthScores`: the result of `score`, every account's score, band, coverage and parts.

`HealthScores._build` gathers the scoring run's parts (one `Scored` per scorecard of a
set) into whole columns in the input's account order, and keeps them, so that
`HealthScores.explain` can give one account's `Explanation` (in
`cshealth.scoring._explanation`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import AccountResult, json_column, jsonable
from cshealth._types import FloatArray, IdArray, ObjectArray
from cshealth.scoring._bands import Band, Closure, assign_bands, band_labels
from cshealth.scoring._explanation import Explanation, _explain
from cshealth.scoring._inputs import Inputs
from cshealth.scoring._override import Override
from cshealth.scoring._plot_scores import draw_scores, score_bins
from cshealth.scoring._scorecard import Scorecard
from cshealth.scoring._scored import Scored
from cshealth.scoring._segments import ScorecardSet

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["HealthScores"]


@dataclass(frozen=True, eq=False, repr=False)
class HealthScores(AccountResult):
    """Health scores of many accounts, in the input's account order.

    ``len()`` counts the accounts; `row` finds one; `to_pandas` gives one row per account
    (``account_ids``, ``score``, ``band``, ``coverage``, ``scorecard``); `plot` draws
    the scores' distribution by band.

    Attributes:
        name: The scorecard's (or scorecard set's) name.
        account_ids: The accounts.
        score: 0..100; NaN where coverage is below the scorecard's ``min_coverage``
            ("insufficient data").
        band: Band labels; ``None`` where the score is NaN.
        coverage: Share (0..1) of nominal weight that had data.
        scorecard: Each account's scorecard name (one name unless a set was scored).
        node_scores: Per group and measure name, each account's 0..100 score (NaN where
            missing, or where the node is not in the account's scorecard); the root's is
            the score itself (after the coverage floor).
        contributions: Per measure name, the points of each account's score it
            accounts for; for every scored account they add up to the score (0 for a
            measure not in the account's scorecard, NaN where the score is NaN).
        overrides_applied: The overrides in force, in the order given.
        overrides_skipped: Overrides not applied, each with the reason (expired, account
            not in the data, node not in that account's scorecard).
        config_hash: The hash of the scorecard (or set) that produced the scores.
        as_of: When the scores were taken (``None`` if not given).
        bands: The bands, from the lowest up (of the default scorecard, for a set).
        closure: The bands' closure.
    """

    name: str
    account_ids: IdArray
    score: FloatArray
    band: ObjectArray
    coverage: FloatArray
    scorecard: ObjectArray
    node_scores: Mapping[str, FloatArray]
    contributions: Mapping[str, FloatArray]
    overrides_applied: tuple[Override, ...]
    overrides_skipped: tuple[tuple[Override, str], ...]
    config_hash: str
    as_of: np.datetime64 | None
    bands: tuple[Band, ...]
    closure: Closure
    _parts: tuple[Scored, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def _build(
        cls,
        card: Scorecard | ScorecardSet,
        inputs: Inputs,
        parts: list[Scored],
        *,
        as_of: np.datetime64 | None,
        overrides_applied: tuple[Override, ...],
        overrides_skipped: tuple[tuple[Override, str], ...],
    ) -> HealthScores:
        n = inputs.n
        if len(parts) == 1 and parts[0].rows is None:
            part = parts[0]
            e = part.evaluation
            score, coverage = e.score, e.coverage
            names = _repeat(part.plan.card.name, n)
            nodes = {node.name: e.node_scores[i] for i, node in enumerate(part.plan.nodes)}
            nodes[part.plan.nodes[part.plan.root].name] = score  # after the coverage floor
            contributions = {m.name: e.contributions[k] for k, m in enumerate(part.plan.measures)}
        else:
            score, coverage = np.full(n, np.nan), np.full(n, np.nan)
            names = np.full(n, None, dtype=object)
            nodes, contributions = {}, {}
            for part in parts:
                e, rows = part.evaluation, part.rows
                score[rows] = e.score
                coverage[rows] = e.coverage
                names[rows] = part.plan.card.name
                for i, node in enumerate(part.plan.nodes):
                    values = e.score if i == part.plan.root else e.node_scores[i]
                    nodes.setdefault(node.name, np.full(n, np.nan))[rows] = values
                for k, measure in enumerate(part.plan.measures):
                    contributions.setdefault(measure.name, np.zeros(n))[rows] = e.contributions[k]
            for values in contributions.values():
                values[np.isnan(score)] = np.nan
        own = card.default if isinstance(card, ScorecardSet) else card
        band = _repeat(None, n)
        for part in parts:  # each scorecard's own bands
            c = part.plan.card
            where = slice(None) if part.rows is None else part.rows
            band[where] = band_labels(c.bands, assign_bands(c.bands, c.closure, score[where]))
        return cls(
            name=card.name,
            account_ids=inputs.account_ids,
            score=score,
            band=band,
            coverage=coverage,
            scorecard=names,
            node_scores=nodes,
            contributions=contributions,
            overrides_applied=overrides_applied,
            overrides_skipped=overrides_skipped,
            config_hash=card.config_hash,
            as_of=as_of,
            bands=own.bands,
            closure=own.closure,
            _parts=tuple(parts),
        )

    def band_counts(self) -> dict[str | None, int]:
        """Accounts per band, lowest band first; ``None`` counts insufficient data.

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "logins",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
            ...                 }
            ...             ],
            ...         },
            ...     }
            ... )
            >>> scores = score(card, {"account_id": ["a", "b", "c"], "logins": [9, 1, None]})
            >>> scores.band_counts()
            {'red': 1, 'yellow': 0, 'green': 1, None: 1}
        """
        labels = self.band.tolist()
        counts: dict[str | None, int] = {band.label: 0 for band in self.bands}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        counts[None] = counts.pop(None, 0)
        return counts

    def plot(
        self,
        ax: Axes | None = None,
        *,
        bins: int | Sequence[float] = 20,
        cmap: str = "RdYlGn",
        **style: object,
    ) -> Axes:
        """Draw the scores' distribution by band: a histogram stacked by band.

        Each bin's bar over the 0..100 scale is stacked by band, lowest band at the
        bottom, each band in its colour (``cmap`` sampled evenly, lowest band first) and
        named in the legend with its number of accounts; the cut-offs between `bands`
        are dashed vertical lines (the default scorecard's, for a set). Accounts without
        a score are not drawn: the legend counts them. Scores outside ``bins``' edges
        are not drawn either. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            bins: How many equal bins over 0..100, or their edges, increasing.
            cmap: The name of a matplotlib colour map, running from the lowest band to
                the highest.
            **style: Passed to every band's bars (``alpha``, ``edgecolor``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: On ``bins`` that are neither a number >= 1 nor
                increasing edges.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.scoring import Scorecard, score
            >>> linear = {"kind": "linear", "worst": 0, "best": 10}
            >>> root = {
            ...     "name": "all",
            ...     "children": [{"name": "logins", "column": "logins", "transform": linear}],
            ... }
            >>> card = Scorecard.model_validate({"name": "logins", "root": root})
            >>> logins = [9, 1, 2, 8, None]  # scores 90, 10, 20, 80 and none
            >>> scores = score(card, {"account_id": list("abcde"), "logins": logins})
            >>> ax = scores.plot(bins=[0, 40, 70, 100])
            >>> [float(bar.get_height()) for bar in ax.containers[0]]  # red per bin
            [2.0, 0.0, 0.0]
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['red (2)', 'yellow (0)', 'green (2)', 'no score (1), not drawn']
            >>> plt.close(ax.figure)
        """
        edges = score_bins(bins)
        inner = [band.max for band in self.bands[:-1]]
        return draw_scores(
            axes(ax),
            self.score,
            self.band,
            self.band_counts(),
            inner,
            edges=edges,
            cmap=cmap,
            style=style,
        )

    def explain(self, account_id: int | str) -> Explanation:
        """A readable breakdown of one account's score.

        Args:
            account_id: The account.

        Returns:
            Every node's raw value, score, effective weight and contribution, and what
            was missing, stale, filled in or overridden.

        Raises:
            AccountNotFoundError: If the account was not scored (also a `KeyError` and an
                `InvalidInputError`).
            InvalidInputError: If ``account_id`` is not an identifier, or the result was
                built by hand rather than by `score` (it holds no run to explain).

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "mini",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "weight": 3,
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 20},
            ...                 },
            ...                 {
            ...                     "name": "nps",
            ...                     "column": "nps",
            ...                     "transform": {"kind": "linear", "worst": -100, "best": 100},
            ...                 },
            ...             ],
            ...         },
            ...     }
            ... )
            >>> scores = score(card, {"account_id": ["a"], "logins": [5.0], "nps": [None]})
            >>> print(scores.explain("a"))
            a: 25.0 (red), coverage 75% [mini ...]
            node      raw  score  weight  contrib  status
            all            25.0   1.000     25.0  ok
              logins  5    25.0   1.000     25.0  ok
              nps         -       0.000      0.0  missing: dropped, weights renormalised
            >>> scores.explain("a").drags(1)[0].lost
            75.0
        """
        position = self.row(account_id)
        for part in self._parts:
            if part.rows is None:
                return _explain(self.overrides_applied, part, position)
            found = np.flatnonzero(part.rows == position)
            if len(found):
                return _explain(self.overrides_applied, part, int(found[0]))
        msg = (
            f"account {account_id!r} cannot be explained: this HealthScores holds no scoring "
            "run (it was not made by `score`)"
        )
        raise InvalidInputError(msg)

    def to_records(self) -> list[dict[str, object]]:
        """One JSON-ready dict per account: score, band, coverage, node scores, contributions.

        Missing numbers are ``None``.

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "logins",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
            ...                 }
            ...             ],
            ...         },
            ...     }
            ... )
            >>> score(card, {"account_id": ["a"], "logins": [9]}).to_records()[0]["score"]
            90.0
        """
        columns = {
            "account_id": self.account_ids,
            "scorecard": self.scorecard,
            "score": self.score,
            "band": self.band,
            "coverage": self.coverage,
        }
        flat = {name: json_column(values) for name, values in columns.items()}
        nodes = {k: json_column(values) for k, values in self.node_scores.items()}
        parts = {k: json_column(values) for k, values in self.contributions.items()}
        return [
            {
                **{name: values[i] for name, values in flat.items()},
                "node_scores": {k: values[i] for k, values in nodes.items()},
                "contributions": {k: values[i] for k, values in parts.items()},
            }
            for i in range(len(self))
        ]

    def to_dict(self) -> dict[str, object]:
        """Every field as strict JSON (`Result.to_dict`), and the accounts per band.

        Arrays become lists (NaN as ``None``), ``node_scores`` and ``contributions``
        dictionaries of lists; each skipped override is ``{"override": ..., "reason": ...}``,
        and ``band_counts`` is `band_counts` with text keys.

        Examples:
            >>> from cshealth.scoring import Scorecard, score
            >>> card = Scorecard.model_validate(
            ...     {
            ...         "name": "logins",
            ...         "root": {
            ...             "name": "all",
            ...             "children": [
            ...                 {
            ...                     "name": "logins",
            ...                     "column": "logins",
            ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
            ...                 }
            ...             ],
            ...         },
            ...     }
            ... )
            >>> score(card, {"account_id": ["a"], "logins": [9]}).to_dict()["band_counts"]
            {'red': 0, 'yellow': 0, 'green': 1, 'None': 0}
        """
        skipped = [{"override": o, "reason": why} for o, why in self.overrides_skipped]
        return {
            **super().to_dict(),
            "overrides_skipped": jsonable(skipped),
            "band_counts": {str(k): v for k, v in self.band_counts().items()},
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.band_counts().items() if k is not None)
        insufficient = int(np.isnan(self.score).sum())
        mean_coverage = float(self.coverage.mean()) if len(self) else float("nan")
        return (
            f"HealthScores({self.name!r}, {len(self)} accounts: {counts}; "
            f"insufficient data {insufficient}; mean coverage {mean_coverage:.2f})"
        )


def _repeat(value: object, n: int) -> ObjectArray:
    """``n`` copies of ``value`` in an object array (much faster than ``np.full``)."""
    out: ObjectArray = np.empty(n, dtype=object)
    out.fill(value)
    return out
