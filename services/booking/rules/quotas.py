"""Fair use: a member's bookings counted against the territory's limits, as pure functions.

Weeks are ISO weeks (Monday to Sunday) in the local time the booking was written in (its
``utc_offset_minutes``), so that "this week" is the week on the person's calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class Counted:
    """One booking of the member that counts: its period and the offset it was written in."""

    start: datetime
    end: datetime
    utc_offset_minutes: int = 0


def week_of(start: datetime, utc_offset_minutes: int) -> str:
    """The ISO week (``2026-W48``) of a start, in the local time it was written in."""
    local = start.astimezone(timezone(timedelta(minutes=utc_offset_minutes)))
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def hours(booking: Counted) -> float:
    return (booking.end - booking.start).total_seconds() / 3600


def hours_in_week(bookings: Iterable[Counted], week: str) -> float:
    """The hours of the bookings starting in ``week`` (a booking counts whole in the week
    it starts: none crosses a week by more than a night)."""
    return sum(hours(b) for b in bookings if week_of(b.start, b.utc_offset_minutes) == week)


def active(bookings: Iterable[Counted], now: datetime) -> int:
    """The bookings still to come or under way: those not ended."""
    return sum(1 for b in bookings if b.end > now)
