"""`DropThresholds`: where a usage change turns yellow and red, as `usage_trend` bands it.

A change is ``current / baseline - 1``: at or below ``red`` it is red, at or below
``yellow`` yellow, anything else green (Custify's example: -50% and -20% [S39], the
defaults, `DEFAULT_THRESHOLDS`).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from cshealth._config import Config
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray, ObjectArray

__all__ = ["DEFAULT_THRESHOLDS", "DropThresholds"]


class DropThresholds(Config):
    """Where a usage change turns yellow and red (``change = current / baseline - 1``).

    A change at or below ``red`` is red, at or below ``yellow`` yellow, anything else
    green. The defaults are Custify's example (≤ −50% red, −50..−20% yellow) [S39].

    Attributes:
        red: The change (a fraction, ``-0.5`` is −50%) at or below which usage is red.
        yellow: The change at or below which usage is yellow.

    Raises:
        ConfigError: Unless ``-1 <= red < yellow <= 0`` (a change is never below −100%,
            and a rise is not a drop).

    Examples:
        >>> DropThresholds()
        DropThresholds(red=-0.5, yellow=-0.2)
        >>> DropThresholds.model_validate_json('{"red": -0.6, "yellow": -0.3}').red
        -0.6
    """

    red: float = Field(default=-0.5, allow_inf_nan=False)
    yellow: float = Field(default=-0.2, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> DropThresholds:
        if not -1.0 <= self.red < self.yellow <= 0.0:
            raise PydanticCustomError(
                "drop_thresholds_order",
                "thresholds must satisfy -1 <= red < yellow <= 0 (changes are fractions: "
                "-0.5 is -50%); got red={red}, yellow={yellow}",
                {"red": self.red, "yellow": self.yellow},
            )
        return self

    def __repr__(self) -> str:
        return f"DropThresholds(red={self.red!r}, yellow={self.yellow!r})"

    def band(self, change: FloatArray) -> ObjectArray:
        """The band of each change: ``'red'``, ``'yellow'``, ``'green'``; ``None`` for NaN.

        Examples:
            >>> import numpy as np
            >>> DropThresholds().band(np.array([-0.7, -0.5, -0.3, 0.1, np.nan])).tolist()
            ['red', 'red', 'yellow', 'green', None]
            >>> DropThresholds().band(np.array([80 / 100 - 1])).tolist()  # exactly -20%
            ['yellow']
        """
        # A change is ``current / baseline - 1`` in floating point: 80 against 100 gives
        # -0.19999999999999996, which is -20% and belongs to the -20% band.
        tolerance = 1e-12
        bands = np.where(
            change <= self.red + tolerance,
            "red",
            np.where(change <= self.yellow + tolerance, "yellow", "green"),
        ).astype(object)
        bands[np.isnan(change)] = None
        return cast("ObjectArray", bands)


#: The default drop thresholds: -50% red, -20% yellow.
DEFAULT_THRESHOLDS = DropThresholds()


def _check_thresholds(thresholds: object) -> DropThresholds:
    if not isinstance(thresholds, DropThresholds):
        msg = (
            "`thresholds` must be a DropThresholds, e.g. DropThresholds(red=-0.5, "
            f"yellow=-0.2); got {type(thresholds).__name__}"
        )
        raise InvalidInputError(msg)
    return thresholds
