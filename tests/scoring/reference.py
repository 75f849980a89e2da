"""A plain, slow, recursive reference for `cshealth.scoring.score`, written from the contract.

The engine compiles the scorecard into a post-order list of nodes and evaluates whole
columns of accounts at once with numpy, carrying an affine form of every aggregate for the
contributions. This reference does none of that: for one account at a time it walks the
pydantic `Scorecard` tree recursively with Python floats (``math.fsum`` for sums), turns
raw values into scores with ``if`` chains, finds bands by testing each interval, ranks
percentiles by counting, and reads conditions value by value. It is used only from tests.

Coverage is exact (fractions), and a ``min_coverage`` is the decimal written (0.9 is
9/10). Where a result hangs on a comparison that float rounding can tip (a ``weakest_link``
whose lowest child is a rounded mean or linear score within 1e-9 of a band edge), the
account is marked ``fragile`` so a comparison with the engine can allow either side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

from cshealth.scoring import (
    BooleanTransform,
    CategoriesTransform,
    Condition,
    Group,
    LinearBoundedTransform,
    LinearTransform,
    Measure,
    Override,
    PercentileTransform,
    Scorecard,
    ScorecardSet,
    ThresholdsTransform,
)
from cshealth.scoring._bands import Band

NAN = math.nan
#: How close to a boundary a float may come before the outcome counts as fragile.
EDGE = 1e-9

__all__ = [
    "EDGE",
    "RefAccount",
    "band_of",
    "band_top",
    "condition_holds",
    "is_missing",
    "near_band_edge",
    "reference_scores",
]


@dataclass
class RefAccount:
    """One account's reference result."""

    scorecard: str
    score: float
    coverage: float
    band: str | None
    nodes: dict[str, float]
    fragile: bool = False
    #: Contributions by measure, only for trees of renormalising weighted means without
    #: overrides (where the contract gives them in closed form); else None.
    contributions: dict[str, float] | None = None
    measure_scores: dict[str, float] = field(default_factory=dict)


def is_missing(value: object) -> bool:
    """None, NaN or NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return False


def band_of(bands: Sequence[Band], closure: str, score: float) -> str | None:
    """The label of the band containing ``score`` (None for NaN), testing each interval."""
    if math.isnan(score):
        return None
    ordered = sorted(bands, key=lambda band: band.min)
    last = len(ordered) - 1
    for i, band in enumerate(ordered):
        if closure == "lower_inclusive":
            inside = band.min <= score < band.max or (i == last and score == band.max)
        else:
            inside = band.min < score <= band.max or (i == 0 and score == band.min)
        if inside:
            return band.label
    msg = f"score {score!r} is in no band"
    raise AssertionError(msg)


def band_top(bands: Sequence[Band], closure: str, label: str) -> float:
    """The highest score inside band ``label``."""
    ordered = sorted(bands, key=lambda band: band.min)
    for i, band in enumerate(ordered):
        if band.label == label:
            if closure == "lower_inclusive" and i < len(ordered) - 1:
                return math.nextafter(band.max, -math.inf)
            return band.max
    msg = f"no band {label!r}"
    raise AssertionError(msg)


def near_band_edge(bands: Sequence[Band], score: float) -> bool:
    """Whether ``score`` is within `EDGE` of an inner band edge (rounding may tip its band)."""
    if math.isnan(score):
        return False
    edges = {band.min for band in bands} | {band.max for band in bands}
    return any(abs(score - edge) <= EDGE for edge in edges - {0.0, 100.0})


def condition_holds(condition: Condition, value: object) -> bool:
    """A segment condition on one raw value; a missing value passes only ``missing``."""
    op, target = condition.op, condition.value
    if is_missing(value):
        return op == "missing"
    if op == "missing":
        return False
    if op == "present":
        return True
    if op == "eq":
        return bool(value == target)
    if op == "ne":
        return bool(value != target)
    if op == "in":
        return any(value == option for option in _options(target))
    if op == "not_in":
        return all(value != option for option in _options(target))
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if not isinstance(target, (int, float)):
        return False
    number, limit = float(value), float(target)
    if op == "lt":
        return number < limit
    if op == "le":
        return number <= limit
    if op == "gt":
        return number > limit
    return number >= limit


def _options(target: object) -> tuple[object, ...]:
    return target if isinstance(target, tuple) else (target,)


# --- transforms --------------------------------------------------------------------------


def _linear(transform: LinearTransform | LinearBoundedTransform, value: float) -> float:
    low, high = min(transform.worst, transform.best), max(transform.worst, transform.best)
    if isinstance(transform, LinearBoundedTransform) and not low <= value <= high:
        return NAN
    if value <= low:
        fraction = 0.0 if transform.best > transform.worst else 1.0
    elif value >= high:
        fraction = 1.0 if transform.best > transform.worst else 0.0
    else:
        fraction = (value - transform.worst) / (transform.best - transform.worst)
    return 100.0 * fraction


def _thresholds(transform: ThresholdsTransform, value: float, closure: str) -> float:
    for cut, score in zip(transform.cuts, transform.scores):
        below = value < cut if closure == "lower_inclusive" else value <= cut
        if below:
            return score
    return transform.scores[-1]


def _categories(transform: CategoriesTransform, value: object, account: str) -> float:
    if value in transform.scores:
        return float(transform.scores[str(value)])
    if transform.unknown == "missing":
        return NAN
    msg = f"account {account!r}: unknown category {value!r}"
    raise ValueError(msg)


def _boolean(transform: BooleanTransform, value: object) -> float:
    if value is True or value == 1:
        return transform.true
    if value is False or value == 0:
        return transform.false
    msg = f"not a flag: {value!r}"
    raise ValueError(msg)


def _percentile(
    transform: PercentileTransform, row: Mapping[str, object], column: str, rows: list
) -> float:
    value = row[column]
    if is_missing(value):
        return NAN
    if transform.by is not None:
        group = row[transform.by]
        if is_missing(group):
            return NAN
        peers = [
            other[column]
            for other in rows
            if not is_missing(other[column])
            and not is_missing(other[transform.by])
            and other[transform.by] == group
        ]
    else:
        peers = [other[column] for other in rows if not is_missing(other[column])]
    below = sum(1 for peer in peers if peer < value)
    equal = sum(1 for peer in peers if peer == value)
    rank = 100.0 * (below + 0.5 * equal) / len(peers)
    return rank if transform.higher_is_better else 100.0 - rank


def _stale(measure: Measure, row: Mapping[str, object], as_of: datetime | None) -> bool:
    if measure.max_age_days is None:
        return False
    if as_of is None:
        msg = f"measure {measure.name!r} needs as_of"
        raise ValueError(msg)
    observed = row[str(measure.observed_at)]
    if is_missing(observed):
        return True
    assert isinstance(observed, datetime)
    if observed >= as_of:
        return True  # observed after as_of
    return (as_of - observed) / timedelta(days=1) > measure.max_age_days


def measure_score(
    measure: Measure,
    row: Mapping[str, object],
    *,
    card: Scorecard,
    rows: list,
    as_of: datetime | None,
) -> float:
    """One account's 0..100 score for ``measure`` (NaN missing)."""
    value = row[measure.column]
    transform = measure.transform
    if isinstance(transform, PercentileTransform):
        score = _percentile(transform, row, measure.column, rows)
    elif is_missing(value):
        score = NAN
    elif isinstance(transform, (LinearTransform, LinearBoundedTransform)):
        score = _linear(transform, _float(value))
    elif isinstance(transform, ThresholdsTransform):
        closure = transform.closure or card.closure
        score = _thresholds(transform, _float(value), closure)
    elif isinstance(transform, CategoriesTransform):
        score = _categories(transform, value, str(row["account_id"]))
    else:
        score = _boolean(transform, value)
    if not math.isnan(score) and _stale(measure, row, as_of):
        return NAN
    return score


def _float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"not a number: {value!r}"
        raise TypeError(msg)
    return float(value)


# --- the tree ----------------------------------------------------------------------------


class _Account:
    """One account's walk over the tree.

    Coverage is kept as an exact fraction (the weights are exact binary numbers) and a
    ``min_coverage`` is read as the decimal the person wrote (``0.9`` is 9/10), so a floor
    is met exactly when the share of weight with data reaches it, with no float rounding.
    """

    def __init__(
        self, card: Scorecard, measures: dict[str, float], overrides: dict[str, float]
    ) -> None:
        self.card = card
        self.measures = measures
        self.overrides = overrides
        self.nodes: dict[str, float] = {}
        self.fragile = False

    def node(self, node: Group | Measure) -> tuple[float, Fraction, bool]:
        """The node's score, coverage and whether the score is free of rounding.

        Thresholds, categories, flags, percentile ranks and overrides are exact values
        (the engine computes them with the same single operations); linear transforms
        and means are not.
        """
        if isinstance(node, Measure):
            score = self.measures[node.name]
            coverage = Fraction(0 if math.isnan(score) else 1)
            exact = node.transform.kind not in ("linear", "linear_bounded")
        else:
            score, coverage, exact = self.group(node)
        if node.name in self.overrides:
            score, coverage, exact = self.overrides[node.name], Fraction(1), True
        self.nodes[node.name] = score
        return score, coverage, exact

    def group(self, group: Group) -> tuple[float, Fraction, bool]:
        card = self.card
        kids = [self.node(child) for child in group.children]
        total = sum(Fraction(child.weight) for child in group.children)
        shares = [Fraction(child.weight) / total for child in group.children]
        present = [not math.isnan(score) for score, _, _ in kids]
        wp = sum((share for share, p in zip(shares, present) if p), Fraction(0))
        coverage = sum((share * cov for share, (_, cov, _) in zip(shares, kids)), Fraction(0))
        if wp <= 0:
            return NAN, coverage, True
        if group.min_coverage is not None and coverage < decimal(group.min_coverage):
            return NAN, coverage, True
        policy = group.missing or card.missing
        neutral = card.neutral if group.neutral is None else group.neutral
        stand_in = 0.0 if policy == "fixed" else neutral
        filled = [
            (score, exact) if p else (stand_in, True) for (score, _, exact), p in zip(kids, present)
        ]
        weights = [child.weight for child in group.children]
        used = [
            (w, f, exact)
            for w, (f, exact), p in zip(weights, filled, present)
            if w > 0 and (p or policy != "renormalize")
        ]
        if group.aggregate == "points":
            raw = group.anchor + math.fsum(w * (f - 50.0) / 50.0 for w, f, _ in used)
            return min(100.0, max(0.0, raw)), coverage, False
        lowest = min(f for _, f, _ in used)
        # exact only if every child that could be the lowest after rounding is exact
        lowest_exact = all(exact for _, f, exact in used if abs(f - lowest) <= EDGE)
        if group.aggregate == "min":
            return lowest, coverage, lowest_exact
        # the means with the weights as given, divided once (the fewest roundings)
        if policy == "renormalize":
            mean = math.fsum(w * f for w, (f, _), p in zip(weights, filled, present) if p)
            mean /= math.fsum(w for w, p in zip(weights, present) if p)
        else:
            mean = math.fsum(w * f for w, (f, _) in zip(weights, filled)) / float(total)
        if group.aggregate == "weighted_mean":
            return mean, coverage, False
        # weakest_link: a lowest child near a band edge may fall in either band by rounding
        if not lowest_exact and near_band_edge(card.bands, lowest):
            self.fragile = True
        top = band_top(card.bands, card.closure, str(band_of(card.bands, card.closure, lowest)))
        return min(mean, top), coverage, False


def decimal(value: float) -> Fraction:
    """The decimal a person wrote for ``value`` (0.9 -> 9/10), exactly."""
    return Fraction(repr(value))


def _plain(group: Group, card: Scorecard) -> bool:
    """Only renormalising weighted means below ``group``."""
    if group.aggregate != "weighted_mean" or (group.missing or card.missing) != "renormalize":
        return False
    return all(_plain(child, card) for child in group.children if isinstance(child, Group))


def _contributions(
    group: Group, account: _Account, share: float, out: dict[str, float]
) -> dict[str, float]:
    """contribution_m = s_m * product over the path of W_c * present_c / wp."""
    total = math.fsum(child.weight for child in group.children)
    present = [not math.isnan(account.nodes[child.name]) for child in group.children]
    wp = math.fsum(child.weight / total for child, p in zip(group.children, present) if p)
    for child, p in zip(group.children, present):
        part = share * (child.weight / total) / wp if p and wp > 0 else 0.0
        if isinstance(child, Group):
            _contributions(child, account, part, out)
        else:
            out[child.name] = part * account.nodes[child.name] if p else 0.0
    return out


def _score_card(
    card: Scorecard,
    rows: list,
    *,
    as_of: datetime | None,
    overrides: dict[str, dict[str, float]],
) -> dict[str, RefAccount]:
    measures = [node for node in _walk(card.root) if isinstance(node, Measure)]
    out: dict[str, RefAccount] = {}
    for row in rows:
        account_id = str(row["account_id"])
        scores = {
            m.name: measure_score(m, row, card=card, rows=rows, as_of=as_of) for m in measures
        }
        mine = overrides.get(account_id, {})
        account = _Account(card, scores, mine)
        final, coverage, _ = account.node(card.root)
        if coverage < decimal(card.min_coverage) and card.root.name not in mine:
            final = NAN
        account.nodes[card.root.name] = final  # the root's node score is the overall score
        contributions = None
        if _plain(card.root, card) and not mine:
            contributions = _contributions(card.root, account, 1.0, {})
            if math.isnan(final):
                contributions = dict.fromkeys(contributions, NAN)
        out[account_id] = RefAccount(
            scorecard=card.name,
            score=final,
            coverage=float(coverage),
            band=band_of(card.bands, card.closure, final),
            nodes=account.nodes,
            fragile=account.fragile,
            contributions=contributions,
            measure_scores=scores,
        )
    return out


def _walk(node: Group | Measure) -> Iterable[Group | Measure]:
    yield node
    if isinstance(node, Group):
        for child in node.children:
            yield from _walk(child)


def _active(override: Override, as_of: datetime | None) -> bool:
    if override.expires_on is None:
        return True
    if as_of is None:
        msg = "an expiring override needs as_of"
        raise ValueError(msg)
    day: date = as_of.date()
    return day < override.expires_on


def _override_table(
    card: Scorecard, overrides: Iterable[Override], as_of: datetime | None
) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    names = {node.name for node in _walk(card.root)}
    for override in overrides:
        if not _active(override, as_of):
            continue
        node = card.root.name if override.scope == "overall" else str(override.node)
        if node not in names:
            continue  # another scorecard's node
        table.setdefault(override.account_id, {})[node] = override.value
    return table


def reference_scores(
    card: Scorecard | ScorecardSet,
    rows: Sequence[Mapping[str, object]],
    *,
    as_of: datetime | None = None,
    overrides: Iterable[Override] = (),
) -> dict[str, RefAccount]:
    """Every account's reference result, by account id.

    ``rows`` holds one dict per account with Python values (None or NaN for missing,
    aware datetimes for observation times); ``as_of`` is an aware datetime (UTC).
    """
    listed = list(overrides)
    if isinstance(card, Scorecard):
        table = _override_table(card, listed, as_of)
        return _score_card(card, list(rows), as_of=as_of, overrides=table)
    cards = card.scorecards()
    chosen: list[list] = [[] for _ in cards]
    for row in rows:
        target = len(card.segments)  # the default
        for number, segment in enumerate(card.segments):
            if all(condition_holds(c, row[c.column]) for c in segment.when):
                target = number
                break
        chosen[target].append(row)
    out: dict[str, RefAccount] = {}
    for one, mine in zip(cards, chosen):
        table = _override_table(one, listed, as_of)
        out.update(_score_card(one, mine, as_of=as_of, overrides=table))
    return {str(row["account_id"]): out[str(row["account_id"])] for row in rows}
