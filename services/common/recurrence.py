"""Recurrence on local wall-clock times (RFC 5545 RRULE semantics through dateutil's rrule):
the pieces every service's rules share. Pure functions.

A rule is expanded on naive local times and each moment then placed in the zone, so 9:00
stays 9:00 on both sides of a DST change (its UTC time moves by an hour).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dateutil import rrule

WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}
FREQ = {"weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY}


def by_weekday(
    freq: str,
    local_start: datetime,
    weekdays: list[str] | None = None,
    weekday: str | None = None,
    nth: list[int] | None = None,
) -> list[rrule.weekday]:
    """rrule's ``byweekday``: a weekly rule's days (none given: the start's), a monthly
    rule's ``nth`` ``weekday`` of the month (``-1``: the last)."""
    if freq == "weekly":
        days = weekdays or [list(WEEKDAYS)[local_start.weekday()]]
        return [WEEKDAYS[str(day)] for day in days]
    return [WEEKDAYS[str(weekday)](n) for n in nth or []]


def byday_text(
    freq: str,
    local_start: datetime,
    weekdays: list[str] | None = None,
    weekday: str | None = None,
    nth: list[int] | None = None,
) -> str:
    """The RFC 5545 ``BYDAY`` value of the same rule (``TU,TH``, ``1TH``)."""
    if freq == "weekly":
        days = weekdays or [list(WEEKDAYS)[local_start.weekday()]]
        return ",".join(str(day) for day in days)
    return ",".join(f"{n}{weekday}" for n in nth or [])


def placed(wall: datetime, tz: ZoneInfo) -> datetime:
    """A local wall-clock time in the zone; a time skipped by the spring change (02:30 on
    the last Sunday of March) is the same instant as an hour earlier in UTC (PEP 495)."""
    return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
