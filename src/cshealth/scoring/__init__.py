"""Health scoring: configurable scorecards that explain themselves.

A `Scorecard` is a tree of weighted groups and measures: each measure turns one input
column into a 0..100 score with a transform, each group combines its children with an
aggregate and a missing-data policy, and bands label the result. `score` computes every
account's score, band, coverage, node scores and per-measure contributions that add up
to the score; `HealthScores.explain` shows one account's breakdown. `ScorecardSet` picks
a scorecard per segment, `Override` sets a score by hand until it expires. `trend`
calls a rising or falling score only when the change is real, and `rollup` summarises
child accounts for their parent.
"""

from cshealth import _public
from cshealth.scoring._bands import Band, Closure
from cshealth.scoring._change import ScoreChange, attribute_change
from cshealth.scoring._default import default_inputs, default_scorecard
from cshealth.scoring._explanation import Explanation, ExplanationLine
from cshealth.scoring._override import Override
from cshealth.scoring._percentile_partial import PercentileReference, percentile_reference
from cshealth.scoring._result import HealthScores
from cshealth.scoring._rollup import rollup
from cshealth.scoring._rollup_result import Rollup, RollupMethod
from cshealth.scoring._score import score
from cshealth.scoring._score_trend import ScoreTrend
from cshealth.scoring._scorecard import Aggregate, Group, Measure, MissingPolicy, Scorecard
from cshealth.scoring._segments import Condition, ScorecardSet, Segment
from cshealth.scoring._transform_config import (
    BooleanTransform,
    CategoriesTransform,
    LinearBoundedTransform,
    LinearTransform,
    PercentileTransform,
    ThresholdsTransform,
    Transform,
)
from cshealth.scoring._trend import trend

__all__ = [
    "Aggregate",
    "Band",
    "BooleanTransform",
    "CategoriesTransform",
    "Closure",
    "Condition",
    "Explanation",
    "ExplanationLine",
    "Group",
    "HealthScores",
    "LinearBoundedTransform",
    "LinearTransform",
    "Measure",
    "MissingPolicy",
    "Override",
    "PercentileReference",
    "PercentileTransform",
    "Rollup",
    "RollupMethod",
    "ScoreChange",
    "ScoreTrend",
    "Scorecard",
    "ScorecardSet",
    "Segment",
    "ThresholdsTransform",
    "Transform",
    "attribute_change",
    "default_inputs",
    "default_scorecard",
    "percentile_reference",
    "rollup",
    "score",
    "trend",
]

_public.publish(globals())
