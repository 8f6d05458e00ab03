"""A resource's free units over a window, as a pure computation: which units are open,
outside closures, within lead time and horizon (``open_units``), then how many seats each
has left from the seats taken per quarter-hour slot (``free_units``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from contracts.booking import (
    AVAILABILITY_MAX_DAYS,
    AvailabilityRangeTooLong,
    EndNotAfterStart,
    ResourceSettings,
    UtcOffsetRequired,
)
from contracts.errors import ValidationFailed

from . import settings as rules
from .periods import slots

DEFAULT_DAYS = 7
# The years one may ask about (a booking is at most two years ahead anyway).
YEARS = (2000, 2999)


def window(start: str | None, end: str | None, settings: ResourceSettings, now: datetime):
    """The asked window as aware datetimes: ISO datetimes with an offset, or dates in the
    resource's zone (``end`` as a date is included); default today and the next 7 days."""
    tz = rules.zone(settings)
    today = now.astimezone(tz).date()
    lo = _instant(start, "from", tz, end_of_day=False) if start else _midnight(today, tz)
    if end:
        hi = _instant(end, "to", tz, end_of_day=True)
    else:
        hi = _midnight(lo.astimezone(tz).date() + timedelta(days=DEFAULT_DAYS + 1), tz)
    lo, hi = lo.astimezone(UTC), hi.astimezone(UTC)
    if hi <= lo:
        raise EndNotAfterStart("to must be after from", field="to")
    # Counted in local days (wall time): 31 days of October are 31 days, DST hour included.
    wall = hi.astimezone(tz).replace(tzinfo=None) - lo.astimezone(tz).replace(tzinfo=None)
    if wall > timedelta(days=AVAILABILITY_MAX_DAYS):
        raise AvailabilityRangeTooLong(
            f"availability covers at most {AVAILABILITY_MAX_DAYS} days",
            field="to",
            max_days=AVAILABILITY_MAX_DAYS,
        )
    return lo, hi


def open_units(
    settings: ResourceSettings, start: datetime, end: datetime, now: datetime
) -> list[rules.Period]:
    """The units beginning in [start, end) that could be booked at ``now``, seats aside."""
    tz = rules.zone(settings)
    earliest = max(now, now + timedelta(minutes=settings.lead_time_minutes))
    latest = now + timedelta(days=settings.horizon_days)
    candidates = rules.units(settings.unit.value, tz, start, end)
    if not candidates:
        return []
    # Parsed once for the window (not once per unit): around every candidate unit.
    periods = None
    if settings.opening_hours is not None:
        periods = rules.open_periods(settings.opening_hours, tz, start, candidates[-1][1])
    found = []
    for unit in candidates:
        if unit[0] < earliest or unit[0] > latest:
            continue
        if rules.closure_during(settings, *unit) is not None:
            continue
        if periods is not None and not rules.open_within(settings, *unit, periods):
            continue
        found.append(unit)
    return found


def free_units(units: list[rules.Period], seats: int, taken: Mapping[datetime, int]) -> list[dict]:
    """Each unit with a seat left: ``taken`` gives the seats held per UTC slot start."""
    free = []
    for start, end in units:
        left = seats - max((taken.get(slot, 0) for slot in slots(start, end)), default=0)
        if left > 0:
            free.append({"start": start, "end": end, "seats_left": left})
    return free


def _midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def _instant(text: str, field: str, tz, end_of_day: bool) -> datetime:
    try:
        parsed = (date if len(text) == 10 else datetime).fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{field}: a date (2026-12-01) or a datetime with its offset", field=field
        ) from None
    if not YEARS[0] <= parsed.year <= YEARS[1]:  # no overflow at datetime's ends
        raise ValidationFailed(f"{field}: between {YEARS[0]} and {YEARS[1]}", field=field)
    if not isinstance(parsed, datetime):
        return _midnight(parsed + timedelta(days=1) if end_of_day else parsed, tz)
    instant = parsed
    if instant.tzinfo is None:
        raise UtcOffsetRequired(f"{field} needs a UTC offset", field=field)
    return instant
