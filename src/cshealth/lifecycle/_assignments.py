"""`StageAssignments`: each account's stage and flags on one day, and the reasons for them.

The stage and flags are columns (one array per flag), so a million accounts cost a few
arrays. The reasons are built when asked for (`StageAssignments.account`, ``to_pandas``):
the result keeps the inputs the rules read, and re-reads one account's conditions in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._plot import axes
from cshealth._result import AccountResult, Result
from cshealth._types import BoolArray, FloatArray, IdArray, ObjectArray
from cshealth.lifecycle._evaluate import evaluate, fires, words
from cshealth.lifecycle._plot_stages import draw_stages
from cshealth.lifecycle._rules import LifecycleRules, RuleCondition
from cshealth.lifecycle._signal import Signal

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["Assignment", "Reason", "StageAssignments"]


@dataclass(frozen=True, eq=False, repr=False)
class Reason(Result):
    """Why a rule did or did not apply to an account.

    Attributes:
        rule: The rule's name (a stage or a flag); for a hold, the stage kept.
        kind: ``'stage'`` or ``'flag'``; or ``'hold'``: the account stays in its stage
            (``rule``) because it has been in it fewer than ``min_dwell_days`` days, and
            the stage reason after it is that of the stage the rules give.
        fired: Whether the rule applied (a stage rule whose stage is held back: whether it
            fired).
        evidence: For a rule that applied, its conditions that held, with their values
            and what they were compared with; for a hold, the days in the stage against
            ``min_dwell_days``, and the stage the rules give.
        fallbacks: Where an input was unknown or found by a fallback, what was taken.
    """

    rule: str
    kind: Literal["stage", "flag", "hold"]
    fired: bool
    evidence: tuple[str, ...]
    fallbacks: tuple[str, ...] = ()

    def format(self) -> str:
        """The reason on one line."""
        head = f"{self.kind} {self.rule}" + ("" if self.fired else " (not applied)")
        parts = [*self.evidence, *(f"fallback: {f}" for f in self.fallbacks)]
        return f"{head}: {'; '.join(parts)}" if parts else head

    def __repr__(self) -> str:
        return f"Reason({self.format()})"


@dataclass(frozen=True, eq=False, repr=False)
class Assignment(Result):
    """One account's stage, flags and reasons (`StageAssignments.account`).

    Attributes:
        account_id: The account.
        stage: Its stage.
        flags: Its flags.
        reasons: The stage's reason first (for a held account, the ``hold`` and then the
            reason of the stage the rules give), then each flag's, then the rules that did
            not apply and might have with an unknown input (a rule a known value rules
            out, such as any flag of a churned account, is not listed).
        entered_on: The day it was first seen in its stage (``None`` without previous
            assignments).
        days_in_stage: Days since ``entered_on``.
        previous_stage: The stage it was in before (``None`` when unknown).
        held: Whether it stays in its stage only because of ``min_dwell_days``.
    """

    account_id: object
    stage: str
    flags: frozenset[str]
    reasons: tuple[Reason, ...]
    entered_on: date | None
    days_in_stage: int | None
    previous_stage: str | None
    held: bool

    def format(self) -> str:
        """The stage, flags and reasons as lines of text."""
        flags = ", ".join(sorted(self.flags)) or "no flags"
        stage = f"{self.stage}, held" if self.held else self.stage
        lines = [f"{self.account_id!r}: {stage} ({flags})"]
        lines += [f"  {reason.format()}" for reason in self.reasons]
        return "\n".join(lines)

    def __repr__(self) -> str:
        flags = ", ".join(sorted(self.flags))
        stage = f"{self.stage}, held" if self.held else self.stage
        return f"Assignment({self.account_id!r}: {stage}{f' [{flags}]' if flags else ''})"


@dataclass(frozen=True, eq=False, repr=False)
class StageAssignments(AccountResult):
    """Each account's lifecycle stage and flags on ``as_of`` (see `classify`).

    Arrays are aligned with `account_ids`; ``len()`` counts the accounts, `row` finds
    one, `account` gives one account's stage, flags and reasons, and ``to_pandas()`` one
    row per account: ``account_id``, ``stage``, ``flags`` (a frozenset), ``reasons``
    (text), ``entered_on``, ``days_in_stage``, ``previous_stage``, ``held`` and ``mrr``;
    `plot` draws the accounts (or MRR) per stage.

    Attributes:
        account_ids: The accounts that started before ``as_of``, in the order given.
        stage: Each account's stage.
        flags: Per flag rule, which accounts carry the flag.
        entered_on: The day each account was first seen in its stage: the ``as_of`` of
            the first assignments it had it in (NaT without previous assignments; for an
            account already in its stage when the history starts, a lower bound).
        days_in_stage: ``as_of - entered_on`` in days (NaN when unknown).
        previous_stage: The stage before the current one (``None`` when unknown).
        held: Whether the account stays in its stage only because it has been in it
            fewer than ``min_dwell_days`` days (its rules give another stage, named in
            its reasons); all false without previous assignments or with the default 0.
        mrr: Each account's MRR on ``as_of`` (revenue changes, else the accounts'
            ``mrr``; NaN when unknown), to weigh flows and renewals.
        as_of: The day of the assignments.
        rules: The rules used.
        rules_hash: ``rules.config_hash``.
        not_started: Accounts left out because they start on or after ``as_of``.
        ignored: Per input, records of accounts that were not given (left out).
    """

    account_ids: IdArray
    stage: ObjectArray
    flags: Mapping[str, NDArray[np.bool_]]
    entered_on: NDArray[np.datetime64]
    days_in_stage: FloatArray
    previous_stage: ObjectArray
    held: BoolArray
    mrr: FloatArray
    as_of: date
    rules: LifecycleRules
    rules_hash: str
    not_started: int
    ignored: Mapping[str, int]
    _signals: Mapping[str, Signal] = field(default_factory=dict, compare=False, repr=False)

    row_fields = (
        "account_ids",
        "stage",
        "entered_on",
        "days_in_stage",
        "previous_stage",
        "held",
        "mrr",
    )

    def counts(self) -> dict[str, int]:
        """Accounts per stage, in the rules' order."""
        found = dict(zip(*np.unique(self.stage.astype(str), return_counts=True)))
        return {rule.name: int(found.get(rule.name, 0)) for rule in self.rules.stages}

    def flag_counts(self) -> dict[str, int]:
        """Accounts carrying each flag, in the rules' order."""
        return {name: int(carried.sum()) for name, carried in self.flags.items()}

    def plot(
        self,
        ax: Axes | None = None,
        *,
        weight: Literal["mrr"] | None = None,
        annotate: bool = True,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the accounts per stage as horizontal bars, in the rules' order.

        One bar per stage of the rules, the first on top, its count and share written at
        its end; accounts held by ``min_dwell_days`` are the hatched end of their bar.
        By MRR, an account of unknown MRR adds nothing (the axis label counts them), and
        a stage where every account's is unknown has no bar, only "MRR unknown". Needs
        matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            weight: ``None`` counts accounts; ``'mrr'`` adds up their `mrr`.
            annotate: Whether to write each stage's total and share at its bar.
            label: The bars' name in a legend.
            **style: Passed to ``barh`` of the bars (``color``, ``height``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: When ``weight`` is neither ``None`` nor ``'mrr'``.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.lifecycle import classify
            >>> accounts = {
            ...     "id": ["a", "b", "c"],
            ...     "start_date": ["2025-01-01", "2024-01-01", "2025-03-01"],
            ...     "end_date": [None, "2025-03-10", None],
            ...     "mrr": [100.0, 50.0, 80.0],
            ... }
            >>> ax = classify(accounts, as_of=date(2025, 4, 1)).plot(weight="mrr")
            >>> [float(bar.get_width()) for bar in ax.patches][:4]  # churned, renewal, ...
            [50.0, 0.0, 80.0, 100.0]
            >>> [text.get_text() for text in ax.texts][:4]
            ['50 (22%)', '0 (0%)', '80 (35%)', '100 (43%)']
            >>> plt.close(ax.figure)
        """
        if weight not in (None, "mrr"):
            msg = f"`weight` must be 'mrr' or None, got {weight!r}"
            raise InvalidInputError(msg)
        return draw_stages(
            axes(ax),
            [rule.name for rule in self.rules.stages],
            self.stage,
            self.held,
            None if weight is None else self.mrr,
            min_dwell_days=self.rules.thresholds.min_dwell_days,
            annotate=annotate,
            label=label,
            style=style,
        )

    def flags_of(self, row: int) -> frozenset[str]:
        """The flags of the account at position ``row``."""
        return frozenset(name for name, carried in self.flags.items() if carried[row])

    def account(self, account_id: object) -> Assignment:
        """One account's stage, flags and reasons.

        Raises:
            AccountNotFoundError: When the assignments do not hold the account.
        """
        i = self.row(account_id)
        entered = self.entered_on[i]
        return Assignment(
            account_id=self.account_ids[i].item()
            if isinstance(self.account_ids[i], np.generic)
            else self.account_ids[i],
            stage=str(self.stage[i]),
            flags=self.flags_of(i),
            reasons=self.reasons_of(i),
            entered_on=None if np.isnat(entered) else entered.astype(date),
            days_in_stage=None if np.isnan(self.days_in_stage[i]) else int(self.days_in_stage[i]),
            previous_stage=self.previous_stage[i],
            held=bool(self.held[i]),
        )

    def reasons_of(self, row: int) -> tuple[Reason, ...]:
        """The reasons of the account at position ``row`` (see `Assignment.reasons`)."""
        stage = self.stage[row]
        held = bool(self.held[row])
        out: list[Reason] = []
        skipped: list[Reason] = []
        for rule in self.rules.stages:
            reason = self._reason(rule.name, "stage", rule.all, rule.any, row)
            if held and reason.fired:  # the stage the rules give, held back
                out += [self._hold(row, rule.name), reason]
                break
            if rule.name == stage and not held:
                out.append(reason)
                break
            if reason.fallbacks:
                skipped.append(reason)
        for flag in self.rules.flags:
            reason = self._reason(flag.name, "flag", flag.all, flag.any, row)
            if reason.fired:
                out.append(reason)
            elif reason.fallbacks:
                skipped.append(reason)
        return (*out, *skipped)

    def _reason(
        self,
        name: str,
        kind: Literal["stage", "flag"],
        all_: tuple[RuleCondition, ...],
        any_: tuple[RuleCondition, ...],
        row: int,
    ) -> Reason:
        thresholds = self.rules.thresholds
        ids = self.account_ids[row : row + 1]
        outcomes = []
        evidence: list[str] = []
        fallbacks: list[str] = []
        blocked = False  # a measured value (no fallback) rules the rule out
        for required, group in ((True, all_), (False, any_)):
            held = []
            for condition in group:
                signal = _one(self._signals[condition.input], row)
                outcome = evaluate(condition, signal, thresholds, rule=name, ids=ids)
                text, note = words(condition, signal, thresholds, 0)
                held.append(outcome)
                if outcome.holds[0] and not outcome.unknown[0]:
                    evidence.append(text)
                if note is not None:
                    fallbacks.append(note)
                elif required and not outcome.holds[0]:
                    blocked = True
            outcomes.append(held)
        fired = bool(fires(outcomes[0], outcomes[1], 1)[0])
        if kind == "stage" and name == self.stage[row] and not self.held[row]:
            fired = True
        if blocked and not fired:  # no fallback could have changed the outcome
            fallbacks = []
        return Reason(name, kind, fired, tuple(evidence) if fired else (), tuple(fallbacks))

    def _hold(self, row: int, ruled: str) -> Reason:
        """Why the account at ``row`` stays in its stage instead of ``ruled``."""
        dwell = self.rules.thresholds.min_dwell_days
        days = int(self.days_in_stage[row])
        evidence = (
            f"days_in_stage = {days} (< min_dwell_days ({dwell}))",
            f"the rules give {ruled}",
        )
        return Reason(str(self.stage[row]), "hold", True, evidence)

    def to_pandas(self) -> pd.DataFrame:
        """One row per account, with ``flags`` (frozensets) and ``reasons`` (text).

        Raises:
            MissingDependencyError: When pandas is not installed.
        """
        try:
            import pandas  # noqa: PLC0415 - an optional extra, imported only when asked
        except ImportError as error:  # pragma: no cover - the test extras install pandas
            msg = "to_pandas() needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from error
        n = len(self)
        frame: pd.DataFrame = pandas.DataFrame(
            {
                "account_id": self.account_ids,
                "stage": self.stage,
                "flags": [self.flags_of(i) for i in range(n)],
                "reasons": [" | ".join(r.format() for r in self.reasons_of(i)) for i in range(n)],
                "entered_on": self.entered_on,
                "days_in_stage": self.days_in_stage,
                "previous_stage": self.previous_stage,
                "held": self.held,
                "mrr": self.mrr,
            }
        )
        return frame

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the columns, the flags as lists of flag names, the counts."""
        data = super().to_dict()
        data["flags"] = {name: carried.tolist() for name, carried in self.flags.items()}
        data["counts"] = self.counts()
        return data

    def format(self) -> str:
        """Accounts per stage and per flag, as text."""
        width = max([len(name) for name in [*self.counts(), *self.flags]] + [5])
        lines = [f"stages as of {self.as_of} ({len(self)} accounts)"]
        lines += [f"  {name:<{width}} {count:>9}" for name, count in self.counts().items()]
        if self.held.any():
            dwell = self.rules.thresholds.min_dwell_days
            lines.append(
                f"  ({int(self.held.sum())} held in their stage by min_dwell_days {dwell})"
            )
        lines.append("flags")
        lines += [f"  {name:<{width}} {count:>9}" for name, count in self.flag_counts().items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name} {n}" for name, n in self.counts().items() if n)
        return f"StageAssignments({len(self)} accounts as of {self.as_of}: {shown or 'none'})"


def _one(signal: Signal, row: int) -> Signal:
    """The signal of one account."""
    fallback = None if signal.fallback is None else signal.fallback[row : row + 1]
    return Signal(
        signal.values[row : row + 1],
        signal.known[row : row + 1],
        signal.absent,
        signal.unknown_reason,
        fallback,
        signal.fallback_note,
    )
