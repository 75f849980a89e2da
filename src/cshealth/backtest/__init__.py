"""Backtests: does the health score predict churn, and how well?

`panel` observes every customer at fixed dates, each with the score it had then
(computed only from what was known on that date) and whether it churned within a horizon
after a lead time; windows not over by the data's end are censored and counted, never
guessed. `evaluate` judges the score on the panel (AUC with an interval clustered by
account, average precision, tie-aware lift and gains, churn per band with a trend test),
`compare` two scores of the same observations, `calibrate` turns scores into churn
probabilities, `probability_metrics` judges such probabilities, and `thresholds` picks a
bottom band's cut-off for a target precision or a team's capacity. Higher health means
lower risk everywhere: a churner should score lower than a renewer.
"""

from cshealth import _public
from cshealth.backtest._band_rates import BandRates
from cshealth.backtest._calibrate import calibrate
from cshealth.backtest._calibration import Calibration, CalibrationMethod, CalibrationTable
from cshealth.backtest._compare import Comparison, compare
from cshealth.backtest._evaluate import Interval, evaluate
from cshealth.backtest._evaluation import Evaluation
from cshealth.backtest._fit import fit_weights
from cshealth.backtest._fitted import FittedScorecard
from cshealth.backtest._lift import Gains, lift
from cshealth.backtest._metrics import Metrics
from cshealth.backtest._panel import ScoresByDate, panel
from cshealth.backtest._panel_result import Panel
from cshealth.backtest._probability import ProbabilityMetrics, probability_metrics
from cshealth.backtest._reliability import ReliabilityTable
from cshealth.backtest._roc import RocCurve
from cshealth.backtest._thresholds import BandCuts, CutRule, CutTable, thresholds

__all__ = [
    "BandCuts",
    "BandRates",
    "Calibration",
    "CalibrationMethod",
    "CalibrationTable",
    "Comparison",
    "CutRule",
    "CutTable",
    "Evaluation",
    "FittedScorecard",
    "Gains",
    "Interval",
    "Metrics",
    "Panel",
    "ProbabilityMetrics",
    "ReliabilityTable",
    "RocCurve",
    "ScoresByDate",
    "calibrate",
    "compare",
    "evaluate",
    "fit_weights",
    "lift",
    "panel",
    "probability_metrics",
    "thresholds",
]

_public.publish(globals())
