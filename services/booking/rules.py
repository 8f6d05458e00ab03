"""Booking rules as plain functions: time slots, limits and request fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.common.errors import ValidationFailed

# Capacity is counted per quarter hour: a booking holds every slot it overlaps.
SLOT = timedelta(minutes=15)
MAX_DURATION = timedelta(days=14)
# Bookings more than two years ahead or already in the past are refused.
HORIZON = timedelta(days=731)
PAST_TOLERANCE = timedelta(minutes=15)
# A booking still pending after this long was abandoned by a worker that died mid-way.
ABANDONED_AFTER = timedelta(minutes=5)


def check_period(start: datetime, end: datetime, now: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailed(
            "start and end need a UTC offset (ISO 8601, e.g. 2026-12-01T09:00:00+01:00)"
        )
    if end <= start:
        raise ValidationFailed("end must be after start", {"field": "end"})
    if end - start > MAX_DURATION:
        raise ValidationFailed(
            f"a booking lasts at most {MAX_DURATION.days} days", {"field": "end"}
        )
    if start < now - PAST_TOLERANCE:
        raise ValidationFailed("start is in the past", {"field": "start"})
    if start > now + HORIZON:
        raise ValidationFailed("start is more than two years ahead", {"field": "start"})


def check_seats(requested: int, capacity: int) -> None:
    if requested > capacity:
        raise ValidationFailed(
            f"this resource has {capacity} seat(s); {requested} requested", {"field": "seats"}
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
