"""Closures read from an iCalendar (.ics): each event occurring within a window — recurring
ones expanded by ``recurring-ical-events`` (RRULE, RDATE, EXDATE, moved occurrences) — is a
closure; an all-day event closes its whole days in the resource's time zone. Cancelled and
transparent ("free") events close nothing."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

# A resource keeps at most this many closures (``ResourceSettings.closures``).
MAX_CLOSURES = 200


class NotACalendar(ValueError):
    """The bytes are not an iCalendar the parser can read."""


def _moment(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)  # floating: local time
    return datetime.combine(value, time(), tz)


def closures_from_ics(
    data: bytes, tz: ZoneInfo, start: datetime, end: datetime, source: str, limit: int
) -> list[dict]:
    """The closures (``Closure`` as JSON, ``source`` set) of the events of ``data`` met in
    [start, end), earliest first, at most ``limit`` (the soonest matter most)."""
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise NotACalendar(str(error)) from None
    if calendar.name != "VCALENDAR":
        raise NotACalendar("not a VCALENDAR")
    found = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        first = event.decoded("DTSTART")
        if "DTEND" in event:
            last = event.decoded("DTEND")
        elif "DURATION" in event:
            last = first + event.decoded("DURATION")
        else:  # RFC 5545: a date alone lasts the day, a moment alone lasts no time
            last = first + timedelta(days=1) if not isinstance(first, datetime) else first
        opens, closes = _moment(first, tz), _moment(last, tz)
        if closes <= opens:
            continue
        summary = " ".join(str(event.get("SUMMARY", "")).split())[:200] or None
        found.append((opens, closes, summary))
    found.sort(key=lambda c: (c[0], c[1]))
    return [
        {"start": a.isoformat(), "end": b.isoformat(), "reason": why, "source": source}
        for a, b, why in found[:limit]
    ]
