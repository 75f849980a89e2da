"""Support metrics: response and resolution times, SLAs and ticket rates.

Durations in calendar or business hours, SLA achievement, one-touch and reopen rates,
backlog.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

__all__: list[str] = []
