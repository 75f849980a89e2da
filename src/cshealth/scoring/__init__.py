"""Health scoring: configurable scorecards that explain themselves.

Scorecards of weighted measures and nested groups, missing-data policies, bands, segments,
overrides, explanations, change attribution, trends and rollups.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

__all__: list[str] = []
