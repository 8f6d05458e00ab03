"""A series' dates: a ``Recurrence`` expanded by dateutil's rrule in the resource's time zone.

The rule is expanded on local wall-clock times and each date is then placed in the zone: a
booking from 9:00 to 12:00 stays 9:00–12:00 local on both sides of a DST change (its UTC
time moves by an hour), as a calendar app reading the same RRULE shows it. Pure functions.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule

from contracts.booking import MAX_OCCURRENCES, NoOccurrence, Recurrence, TooManyOccurrences
from services.common.recurrence import FREQ, by_weekday, byday_text, placed


def _rule(rule: Recurrence, local_start: datetime, until: datetime | None) -> rrule.rrule:
    byweekday = by_weekday(rule.freq, local_start, rule.weekdays, rule.weekday, rule.nth)
    return rrule.rrule(
        FREQ[rule.freq],
        dtstart=local_start,
        interval=rule.interval,
        byweekday=byweekday,
        count=None if until else min(rule.count, MAX_OCCURRENCES),
        until=until,
    )


def occurrences(
    start: datetime, end: datetime, rule: Recurrence, timezone: str
) -> list[tuple[datetime, datetime]]:
    """The ``(start, end)`` of every date of the series, aware in ``timezone``, in order.

    ``start``/``end`` are the first booking as asked; the series begins on the first date
    matching the rule from ``start``. Refused: no date at all (``NoOccurrence``), more than
    ``MAX_OCCURRENCES`` (``TooManyOccurrences``)."""
    tz = ZoneInfo(timezone)
    local_start = start.astimezone(tz).replace(tzinfo=None)
    # Wall-clock length: 9:00–12:00 is three hours on a 23-hour day too.
    length = end.astimezone(tz).replace(tzinfo=None) - local_start
    until = datetime.combine(rule.until, time.max) if rule.until else None
    dates: list[tuple[datetime, datetime]] = []
    for moment in _rule(rule, local_start, until):
        if len(dates) == MAX_OCCURRENCES:
            raise TooManyOccurrences(
                f"a series has at most {MAX_OCCURRENCES} dates",
                field="recurrence",
                max_occurrences=MAX_OCCURRENCES,
            )
        dates.append((placed(moment, tz), placed(moment + length, tz)))
    if not dates:
        raise NoOccurrence("the recurrence gives no date", field="recurrence")
    return dates


def rrule_text(rule: Recurrence, first: datetime, timezone: str) -> str:
    """The RFC 5545 RRULE value of the series (what the ``.ics`` carries), e.g.
    ``FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;UNTIL=20260630T215959Z``: with ``count``, the
    COUNT; with ``until``, the end of that local day in UTC (RFC 5545 requires UTC when
    DTSTART has a time zone)."""
    parts = [f"FREQ={rule.freq.upper()}", f"INTERVAL={rule.interval}"]
    local_first = first.astimezone(ZoneInfo(timezone))
    parts.append(
        "BYDAY=" + byday_text(rule.freq, local_first, rule.weekdays, rule.weekday, rule.nth)
    )
    if rule.count is not None:
        parts.append(f"COUNT={rule.count}")
    else:
        last = datetime.combine(rule.until, time.max).replace(tzinfo=ZoneInfo(timezone))
        stamp = (last.astimezone(UTC) - timedelta(microseconds=last.microsecond)).strftime(
            "%Y%m%dT%H%M%SZ"
        )
        parts.append(f"UNTIL={stamp}")
    return ";".join(parts)
