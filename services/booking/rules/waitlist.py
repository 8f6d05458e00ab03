"""The waitlist's order, as a pure function."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def place_in_line(booking: Any) -> tuple[datetime, str]:
    """First come, first served: when it joined the line (``queued_at``: its creation, or the
    lapse of an offer, which sends it to the end), then its id so that ties keep one order."""
    joined = booking.queued_at or booking.created_at
    joined = joined if joined.tzinfo else joined.replace(tzinfo=UTC)
    return joined, str(booking.id)


def in_line(bookings: Iterable[T]) -> list[T]:
    """The bookings in the order their seats are offered (party size is not an order: one
    that does not fit is skipped by the release, which then tries the next)."""
    return sorted(bookings, key=place_in_line)
