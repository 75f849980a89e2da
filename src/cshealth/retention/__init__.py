"""Retention and revenue: MRR movements, NRR/GRR, churn, cohorts and survival.

Cohort tables treat young cohorts as censored, never as churned.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

__all__: list[str] = []
