"""Survey statistics: NPS, CSAT and CES with honest uncertainty.

Scores with intervals and tests, trends, migration between waves, breakdowns and follow-ups.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

__all__: list[str] = []
