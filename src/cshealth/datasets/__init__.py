"""Deterministic sample data: a coherent customer-success world to learn and test on.

`sample()` draws a whole world from one seeded `numpy.random.default_rng()` and
returns it as validated tables in a `SampleData`: accounts, contacts, onboarding
milestones, goals, support tickets, survey responses, weekly usage, each user's product
events of the last eight weeks and revenue changes.
The same seed and options give identical tables; nothing reads a clock.

The generative model, in short (the sample-data guide has every parameter):

* **Accounts** sign across the ``months`` months before ``as_of``, cohorts growing
  threefold over the window. Segments smb / mid-market / enterprise (62/28/10%) differ in
  seats (lognormal, medians 8 / 40 / 220), plan and price per seat (25 / 45 / 70 a
  month, lognormal spread 0.2), CSM owner; 20% of enterprises are parents of 2-4
  accounts. Contracts are annual.
* **Latent health** ``h`` follows a mean-reverting random walk with per-account drift;
  a fifth of the accounts start declining at some age. Shocks: a champion leaving, a
  late onboarding, poor support.
* **Drivers** follow from ``h`` and per-account effects: seat utilisation
  ``u = sigmoid(0.4 + 1.1 h + a - 1.5 exp(-age / 2))``, NPS answers
  ``round(8 + 1.2 h + s + b + N(0, 1.5))``, support quality ``q`` (first replies take
  ``exp(-0.6 q)`` times as long), onboarding execution (late or stuck milestones),
  champion departures.
* **Churn**: a monthly logistic hazard in ``h``, utilisation and its three-month change,
  the detractor chance, ``q``, how late onboarding went live and a recent champion
  departure, lifted in renewal months, impossible in the first three months after
  (re)activation.
  Churned accounts may come back (reactivation).
* **Revenue**: signing, expansion (healthy, seats well used), contraction (unhealthy),
  churn (MRR 0 on ``end_date``), reactivation; at most one change per account and day.
* **Traces**: user events of the last eight weeks (one user per seat, the weekly active
  share following utilisation), weekly usage (``Binomial(seats, u)`` active users,
  logins, six features adopted as accounts mature), tickets by channel with lognormal
  response and resolution times, relationship NPS every quarter and transactional NPS,
  CSAT and CES, contacts with one champion, goals achieved more often by healthy
  accounts.

Nothing is dated on or after ``as_of`` except what is planned by then (renewal, due and
target dates); a week of usage is recorded once it is complete.

Examples:
    >>> from cshealth.datasets import sample
    >>> data = sample(seed=0, n_accounts=50)
    >>> data.accounts.n_rows, data.accounts["id"][0]
    (50, 'A-00001')
"""

from cshealth import _public
from cshealth.datasets._data import SampleData
from cshealth.datasets._sample import sample

__all__ = ["SampleData", "sample"]

_public.publish(globals())
