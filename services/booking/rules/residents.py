"""Resident seats of a desk pool, as plain functions: the drop-in share and calendar months.

The split is static: a pool of 7 seats with 5 resident seats offers 2 to drop-in bookings
whatever the subscriptions of the month, so that a subscription never has to take a seat
back from a drop-in booking already confirmed (two documents cannot change in one write).
A manager who sees resident seats unused lowers ``resident_seats`` (refused below the
subscriptions of any month to come).
"""

from __future__ import annotations

from datetime import datetime

# A subscription's life: held while it takes its months, then active or rejected.
HELD, ACTIVE, REJECTED, CANCELLED = "held", "active", "rejected", "cancelled"
TRANSITIONS = {HELD: {ACTIVE, REJECTED}, ACTIVE: {CANCELLED}}


def drop_in_seats(seats: int, resident_seats: int | None) -> int:
    """The seats left to drop-in bookings (``resident_seats`` is None on earlier documents)."""
    return seats - (resident_seats or 0)


def months(start: str, count: int) -> list[str]:
    """``count`` calendar months from ``start`` (YYYY-MM), as YYYY-MM."""
    year, month = (int(part) for part in start.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index, index + count)]


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def first_free_month(start: str, count: int, now: datetime) -> str:
    """On cancellation, the first month given back: the month after ``now`` (the month under
    way is kept), or ``start`` when it has not begun; the month after the last when all
    are past or under way."""
    following = months(month_of(now), 2)[1]
    return max(start, min(following, months(start, count + 1)[-1]))
