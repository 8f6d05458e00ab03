"""When a booking's reminder is due, as pure functions.

The moment is wall-clock time in the resource's time zone: ``hours`` before the start as the
clock on the wall reads it, so a 24 h reminder of a booking at 09:00 comes the day before at
09:00 even across a DST change (24 real hours would say 08:00 or 10:00 that weekend, which
nobody expects from "the day before"). A wall-clock time that does not exist (the hour
skipped in spring) is read as the clock reads it after the jump.

The sweep reads bookings by an hour bucket (``"2026-11-27T09"``, UTC): one indexed equality
per hour, never a range (SecantusDB scans the collection for a range mixed with an equality).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# The sweep reads this many past hours' buckets, and the current one: a reminder missed
# while every instance was down is still sent if its booking has not begun.
LOOKBACK_HOURS = 3
BUCKET_FORMAT = "%Y-%m-%dT%H"


def reminder_moment(start: datetime, hours: int | None, timezone: str) -> datetime | None:
    """The reminder's moment (UTC) of a booking starting at ``start``; None without one."""
    if not hours:
        return None
    zone = ZoneInfo(timezone)
    wall = _utc(start).astimezone(zone).replace(tzinfo=None) - timedelta(hours=hours)
    # fold=0 and a round trip through UTC: a skipped wall time lands after the jump.
    return wall.replace(tzinfo=zone).astimezone(UTC)


def bucket(moment: datetime) -> str:
    """The hour bucket (UTC) the sweep reads a reminder moment by."""
    return moment.astimezone(UTC).strftime(BUCKET_FORMAT)


def buckets(now: datetime, lookback_hours: int = LOOKBACK_HOURS) -> list[str]:
    """The buckets one sweep reads: the current hour's and the ``lookback_hours`` before."""
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [bucket(hour - timedelta(hours=n)) for n in range(lookback_hours, -1, -1)]


def schedule(
    start: datetime, hours: int | None, timezone: str, now: datetime, email: str | None
) -> datetime | None:
    """The reminder moment to record for a booking confirmed (or restored) at ``now``: None
    when its resource sends none, when no email reaches the person (booked for someone by
    phone: the place calls them), or when the moment has already passed (booked, or
    restored, within the reminder's hours: they have just been told everything)."""
    moment = reminder_moment(start, hours, timezone)
    if moment is None or not email or moment <= now:
        return None
    return moment


def is_due(moment: datetime | None, start: datetime, now: datetime) -> bool:
    """A recorded reminder goes out from its moment until the booking starts."""
    return moment is not None and _utc(moment) <= now < _utc(start)


def _utc(value: datetime) -> datetime:
    # Documents read back from the database are naive UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
