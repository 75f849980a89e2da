"""Product adoption: active users, stickiness, breadth, depth and usage trends.

Seat utilisation and feature adoption among eligible users, per account.

Nothing is public here yet: this area is planned (see the roadmap in the docs), and it
exports no names until it is built.
"""

__all__: list[str] = []
