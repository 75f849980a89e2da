"""Support metrics: response and resolution times, SLAs and ticket rates.

* `Schedule`: business hours as configuration (weekly hours in a time zone, holidays),
  with `Schedule.business_seconds` vectorised over millions of tickets and exact across
  weekends, holidays and daylight-saving changes.
* `ticket_durations`: first response and resolution time per ticket, in calendar or
  business time.
* `summary`: a period's support, overall or per group (`cshealth.Grouped`: by channel,
  priority, team, any ticket column, or segment from a mapping of accounts): volume,
  response and resolution medians and p90, SLA achievement, first-contact resolution,
  one-touch and reopen rates, backlog, live-channel queues, wow moments and
  service-qualified leads. Every rate is a `cshealth.Rate` with its n and interval.
* `summary_partial`: the same on one partition of the tickets, as a `SupportPartial`
  that merges with the other partitions' and finalises to `summary` of them all.
* `account_metrics`: one row per account as of a date, ready for a health score.
"""

from cshealth import _public
from cshealth.support._accounts import account_metrics
from cshealth.support._hours import Weekday
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy
from cshealth.support._summary import summary
from cshealth.support._summary_partial import SupportPartial, summary_partial
from cshealth.support._summary_result import DurationStats, SupportSummary
from cshealth.support._ticket_durations import TicketDurations, ticket_durations
from cshealth.support._tickets import Clock

__all__ = [
    "Clock",
    "DurationStats",
    "SLAPolicy",
    "Schedule",
    "SupportPartial",
    "SupportSummary",
    "TicketDurations",
    "Weekday",
    "account_metrics",
    "summary",
    "summary_partial",
    "ticket_durations",
]

_public.publish(globals())
