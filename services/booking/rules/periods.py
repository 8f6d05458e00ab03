"""Periods of a booking as plain functions: quarter-hour slots and the limits of a period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.booking import (
    BeyondHorizon,
    EndNotAfterStart,
    StartInPast,
    TooLong,
    TooManySeats,
    UtcOffsetRequired,
)

# Capacity is counted per quarter hour: a booking holds every slot it overlaps.
SLOT = timedelta(minutes=15)
MAX_DURATION = timedelta(days=14)
# Bookings more than two years ahead or already in the past are refused.
HORIZON = timedelta(days=731)
PAST_TOLERANCE = timedelta(minutes=15)


def check_period(start: datetime, end: datetime, now: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise UtcOffsetRequired(
            "start and end need a UTC offset (ISO 8601, e.g. 2026-12-01T09:00:00+01:00)",
            field="start",
        )
    if end <= start:
        raise EndNotAfterStart("end must be after start", field="end")
    if end - start > MAX_DURATION:
        raise TooLong(
            f"a booking lasts at most {MAX_DURATION.days} days",
            field="end",
            max_days=MAX_DURATION.days,
        )
    if start < now - PAST_TOLERANCE:
        raise StartInPast("start is in the past", field="start")
    if start > now + HORIZON:
        raise BeyondHorizon(
            "start is more than two years ahead", field="start", horizon_days=HORIZON.days
        )


def check_seats(requested: int, capacity: int) -> None:
    if requested > capacity:
        raise TooManySeats(
            f"this resource has {capacity} seat(s); {requested} requested",
            field="seats",
            capacity=capacity,
            requested=requested,
        )


def slots(start: datetime, end: datetime) -> list[datetime]:
    """Quarter-hour slot starts (UTC) overlapped by [start, end)."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    first = epoch + ((start.astimezone(UTC) - epoch) // SLOT) * SLOT
    result = []
    current = first
    while current < end:
        result.append(current)
        current += SLOT
    return result
