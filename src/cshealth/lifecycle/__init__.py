"""Customer lifecycle: stages, onboarding milestones, goals and time to value.

Each stage carries the rule and the values that produced it.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

from cshealth import _public

__all__: list[str] = []

_public.publish(globals())
