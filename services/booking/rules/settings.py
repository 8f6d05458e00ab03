"""A resource's booking rules (``contracts.booking.ResourceSettings``) as pure functions:
opening hours, closures, the booking unit, durations, lead time, horizon, the cancellation
deadline. Every time is an aware datetime; local times are the resource's time zone.

Units: a booking starts and ends on a boundary of its unit in the resource's time zone —
a quarter hour, an hour, 00:00/12:00 (half day) or 00:00 (day). Local hour multiples rather
than the 8–12 / 13:30–18 many tiers-lieux use, because opening hours already say when one
may come: a quarter-hour or hour booking must lie inside opening hours for its whole range;
a half day or a day is booked whole and used while the place is open, so it only has to
start and end in units during which the resource opens (a week's desk may span a closed
Sunday). Boundaries are found by their local wall time, so a day is 23 or 25 hours long on
DST days (2026-03-29 and 2026-10-25 in Europe/Paris) and an hour unit is always one hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import opening_hours

from contracts.booking import (
    UNIT_MINUTES,
    BeyondHorizon,
    BookingUnit,
    CancellationDeadlinePassed,
    DurationOutOfRange,
    NotOnUnit,
    OutsideOpeningHours,
    ResourceClosed,
    ResourceSettings,
    TooLateToBook,
)

# Every UTC offset in use is a multiple of a quarter hour: stepping by it meets every
# boundary of every unit in every zone.
STEP = timedelta(minutes=15)
# Units booked whole and used while open (see the module's docstring).
WHOLE_UNITS = frozenset({BookingUnit.half_day, BookingUnit.day})

Period = tuple[datetime, datetime]


def zone(settings: ResourceSettings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def on_boundary(instant: datetime, unit: str, tz: ZoneInfo) -> bool:
    """Whether ``instant`` falls on a boundary of ``unit`` in local time."""
    local = instant.astimezone(tz)
    if local.second or local.microsecond:
        return False
    return (local.hour * 60 + local.minute) % UNIT_MINUTES[unit] == 0


def units(unit: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[Period]:
    """The units (UTC start, end) that begin in [start, end), the last one ending after."""
    limit = end.astimezone(UTC)
    boundaries: list[datetime] = []
    current = _floor(start.astimezone(UTC))
    while True:  # a day boundary comes at least every 25 hours
        if on_boundary(current, unit, tz):
            boundaries.append(current)
            if current >= limit:
                break
        current += STEP
    periods = list(zip(boundaries, boundaries[1:], strict=False))
    return [(a, b) for a, b in periods if a >= start.astimezone(UTC)]


def open_periods(
    expression: str | None, tz: ZoneInfo, start: datetime, end: datetime
) -> list[Period]:
    """When the resource is open around [start, end), as merged UTC periods. None: always.

    The parser is given naive local wall times (its own time zone handling is not needed:
    each boundary is placed in the zone here, the earlier of two on a fall-back night)."""
    if expression is None:
        return [(start.astimezone(UTC), end.astimezone(UTC))]
    parsed = opening_hours.OpeningHours(expression)
    day = timedelta(days=1)
    first = (start.astimezone(tz) - day).replace(tzinfo=None)
    last = (end.astimezone(tz) + day).replace(tzinfo=None)
    merged: list[Period] = []
    for lo, hi, state, _comment in parsed.intervals(first, last):
        if state != opening_hours.State.OPEN:
            continue
        a, b = _utc(lo, tz), _utc(hi, tz)
        if merged and merged[-1][1] >= a:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        elif a < b:
            merged.append((a, b))
    return merged


def is_open(settings: ResourceSettings, start: datetime, end: datetime) -> bool:
    """Whether a booking [start, end) respects the opening hours (per the unit's rule)."""
    if settings.opening_hours is None:
        return True
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    periods = open_periods(settings.opening_hours, zone(settings), start, end)
    return open_within(settings, start, end, periods)


def open_within(
    settings: ResourceSettings, start: datetime, end: datetime, periods: list[Period]
) -> bool:
    """``is_open`` with the open periods already computed (around [start, end)): the
    availability of a window parses the opening hours once, not once per unit."""
    if settings.unit in WHOLE_UNITS:
        span = units(settings.unit, zone(settings), start, end)
        if not span:
            return False
        return _overlaps_any(span[0], periods) and _overlaps_any(span[-1], periods)
    a, b = start.astimezone(UTC), end.astimezone(UTC)
    return any(lo <= a and b <= hi for lo, hi in periods)


def closure_during(settings: ResourceSettings, start: datetime, end: datetime):
    """The first closure overlapping [start, end), if any."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    for closure in settings.closures:
        if closure.start < end and start < closure.end:
            return closure
    return None


def check_booking(
    settings: ResourceSettings, start: datetime, end: datetime, now: datetime
) -> None:
    """Refuse a booking [start, end) made at ``now`` that breaks one of the resource's rules:
    first what can never be right (unit, duration, lead time, horizon: 422), then the state
    of the resource (closures, opening hours: 409)."""
    # In UTC: Python subtracts and compares two datetimes of one ZoneInfo by wall time, which
    # is off by an hour across a DST change.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    tz = zone(settings)
    unit = settings.unit.value
    for field, instant in (("start", start), ("end", end)):
        if not on_boundary(instant, unit, tz):
            raise NotOnUnit(
                f"{field} must fall on a {unit} boundary in {settings.timezone}",
                field=field,
                unit=unit,
                unit_minutes=UNIT_MINUTES[unit],
                timezone=settings.timezone,
            )
    minutes = int((end - start).total_seconds() // 60)
    # Without a minimum, one unit (its boundaries say so: a DST day is 23 or 25 hours long).
    shortest = settings.min_duration_minutes or 0
    longest = settings.max_duration_minutes
    if not shortest <= minutes <= longest:
        shortest = shortest or UNIT_MINUTES[unit]
        raise DurationOutOfRange(
            f"this resource is booked for {shortest} to {longest} minutes",
            field="end",
            min_minutes=shortest,
            max_minutes=longest,
            minutes=minutes,
        )
    lead = timedelta(minutes=settings.lead_time_minutes)
    if lead and start < now + lead:
        raise TooLateToBook(
            f"this resource is booked at least {settings.lead_time_minutes} minutes ahead",
            field="start",
            lead_time_minutes=settings.lead_time_minutes,
        )
    if start > now + timedelta(days=settings.horizon_days):
        raise BeyondHorizon(
            f"this resource is booked at most {settings.horizon_days} days ahead",
            field="start",
            horizon_days=settings.horizon_days,
        )
    closure = closure_during(settings, start, end)
    if closure is not None:
        raise ResourceClosed(
            "the resource is closed during this period",
            closure_start=closure.start.isoformat(),
            closure_end=closure.end.isoformat(),
            reason=closure.reason or "",
        )
    if not is_open(settings, start, end):
        raise OutsideOpeningHours(
            "the resource is not open for the whole period",
            opening_hours=settings.opening_hours,
            timezone=settings.timezone,
        )


def check_cancellation(
    settings: ResourceSettings, start: datetime, now: datetime, by_owner: bool
) -> None:
    """The owner cancels until ``cancellation_deadline_hours`` before the start; a manager of
    the place or territory staff until the start (checked by the caller)."""
    deadline = start - timedelta(hours=settings.cancellation_deadline_hours)
    if by_owner and settings.cancellation_deadline_hours and now > deadline:
        raise CancellationDeadlinePassed(
            "too late to cancel this booking yourself; ask the place",
            deadline_hours=settings.cancellation_deadline_hours,
            deadline=deadline.isoformat(),
        )


def _floor(instant: datetime) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + ((instant - epoch) // STEP) * STEP


def _utc(naive_local: datetime, tz: ZoneInfo) -> datetime:
    return naive_local.replace(tzinfo=tz).astimezone(UTC)


def _overlaps_any(period: Period, periods: list[Period]) -> bool:
    return any(lo < period[1] and period[0] < hi for lo, hi in periods)
