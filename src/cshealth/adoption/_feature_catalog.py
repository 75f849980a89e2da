"""`FeatureCatalog`: the features adoption knows, which are key or sticky, who may use them.

A `Feature` names one product feature as the usage data spells it, says whether it counts
toward breadth (``key``), whether events on it make the sticky share (``tag``), and which
plans are entitled to it. `feature_adoption` reads a catalog to know which features to
report and in which order, and which accounts may use each.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from cshealth._config import Config
from cshealth._exceptions import InvalidInputError
from cshealth.models._base import Label

__all__ = ["Feature", "FeatureCatalog"]


class Feature(Config):
    """A product feature as adoption measures see it.

    Attributes:
        name: The feature's name, as in the usage data (``"reports"``).
        key: Whether it counts toward breadth of adoption.
        tag: ``'basic'``, ``'sticky'`` (events on it make the sticky share) or ``None``.
        plans: The plans entitled to it; ``None`` means every plan.

    Raises:
        ConfigError: On an empty name or list of plans, an unknown tag or an unknown
            field, naming each.

    Examples:
        >>> Feature(name="api", plans=("growth", "enterprise")).key
        True
    """

    name: Label
    key: bool = True
    tag: Literal["basic", "sticky"] | None = None
    plans: tuple[str, ...] | None = Field(default=None, min_length=1)


class FeatureCatalog(Config):
    """The features an adoption measure knows: key ones, sticky ones, plan entitlements.

    Loads from JSON with `FeatureCatalog.model_validate_json`; immutable and hashable.

    Attributes:
        features: The features, at least one, each name once.

    Raises:
        ConfigError: On a repeated feature name, an empty catalog or a bad feature, naming
            each (``features[1].tag: ...``).

    Examples:
        >>> catalog = FeatureCatalog.model_validate_json(
        ...     '{"features": [{"name": "reports", "tag": "sticky"},'
        ...     ' {"name": "api", "plans": ["enterprise"]}, {"name": "help", "key": false}]}'
        ... )
        >>> catalog.names, catalog.available("smb")
        (('reports', 'api', 'help'), ('reports', 'help'))
        >>> from cshealth import ConfigError
        >>> try:
        ...     FeatureCatalog(features=[{"name": "api"}, {"name": "sso", "tag": "core"}])
        ... except ConfigError as error:
        ...     print(error)
        invalid FeatureCatalog:
          features[1].tag: Input should be 'basic' or 'sticky'
    """

    features: tuple[Feature, ...] = Field(min_length=1)

    @field_validator("features")
    @classmethod
    def _distinct(cls, features: tuple[Feature, ...]) -> tuple[Feature, ...]:
        seen: set[str] = set()
        for feature in features:
            if feature.name in seen:
                raise PydanticCustomError(
                    "duplicate_feature",
                    "feature '{name}' is listed twice; list each feature once",
                    {"name": feature.name},
                )
            seen.add(feature.name)
        return features

    @property
    def names(self) -> tuple[str, ...]:
        """The feature names, in catalog order."""
        return tuple(feature.name for feature in self.features)

    def available(self, plan: str | None) -> tuple[str, ...]:
        """The features a plan is entitled to (all of them for an unknown plan, ``None``)."""
        return tuple(
            f.name for f in self.features if f.plans is None or plan is None or plan in f.plans
        )


def _check_catalog(catalog: object) -> None:
    if catalog is not None and not isinstance(catalog, FeatureCatalog):
        msg = f"`catalog` must be a FeatureCatalog or None, got {type(catalog).__name__}"
        raise InvalidInputError(msg)
