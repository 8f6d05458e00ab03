"""A meeting series' dates: its rule expanded by dateutil's rrule on local wall-clock times
of the series' zone (``services.common.recurrence``), so that "the first Thursday of the
month, 9:00-12:00" stays 9:00-12:00 in Paris in winter and in summer. Pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil import rrule

from contracts.clubs import MeetingRule
from services.common.recurrence import FREQ, by_weekday, byday_text, placed


class Occurrence(NamedTuple):
    day: date  # the local date the rule gives (an occurrence's identity, even once moved)
    start: datetime  # aware, in the series' zone
    end: datetime


def dates(
    rule: MeetingRule,
    first_date: date,
    start_time: time,
    end_time: time,
    timezone: str,
    since: date,
    until: date,
) -> list[Occurrence]:
    """The occurrences whose local date is in ``[since, until]`` (both included), in order;
    the series begins on the first date matching the rule from ``first_date``."""
    if until < since:
        return []
    tz = ZoneInfo(timezone)
    local_start = datetime.combine(first_date, start_time)
    length = datetime.combine(first_date, end_time) - local_start
    expanded = rrule.rrule(
        FREQ[rule.freq],
        dtstart=local_start,
        interval=rule.interval,
        byweekday=by_weekday(rule.freq, local_start, rule.weekdays, rule.weekday, rule.nth),
        until=datetime.combine(until, time.max),
    )
    found = expanded.between(
        datetime.combine(since, time.min), datetime.combine(until, time.max), inc=True
    )
    return [
        Occurrence(moment.date(), placed(moment, tz), placed(moment + length, tz))
        for moment in found
    ]


def horizon(today: date, days: int) -> date:
    """The last local date written ahead of ``today``."""
    return today + timedelta(days=days)


def rrule_text(
    rule: MeetingRule, first_date: date, start_time: time, until: date | None, timezone: str
) -> str:
    """The RFC 5545 RRULE value (``FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH``), with ``UNTIL`` the
    end of that local day in UTC when the series ends."""
    local_start = datetime.combine(first_date, start_time)
    parts = [
        f"FREQ={rule.freq.upper()}",
        f"INTERVAL={rule.interval}",
        "BYDAY=" + byday_text(rule.freq, local_start, rule.weekdays, rule.weekday, rule.nth),
    ]
    if until is not None:
        last = datetime.combine(until, time(23, 59, 59)).replace(tzinfo=ZoneInfo(timezone))
        parts.append("UNTIL=" + last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(parts)
