"""Risk and opportunity signals, and the prioritised plays they call for.

Built on the other areas' results.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

from cshealth import _public

__all__: list[str] = []

_public.publish(globals())
