"""A resource's seats changed under existing bookings and subscriptions: refused when the
new split cannot honour them (the capacity documents would stay above the new limit, and
every later conditional update would see the resource as over-full)."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.booking import (
    ResidentSeatsBelowSubscriptions,
    ResidentSeatsInvalid,
    SeatsBelowBookings,
    check_resident_seats,
)

from . import capacity, subscriptions
from .models import Resource
from .rules import residents


def check_seat_change(
    resource: Resource, seats: int, resident_seats: int, now: datetime | None = None
) -> None:
    """Refuse ``seats``/``resident_seats`` that fewer than the drop-in bookings or the
    subscriptions from today on would fit. Reads only when a limit goes down."""
    try:
        check_resident_seats(resource.kind, seats, resident_seats)
    except ValueError as exc:
        raise ResidentSeatsInvalid(str(exc), field="resident_seats") from None
    now = now or datetime.now(UTC)
    rid = str(resource.id)
    drop_in = residents.drop_in_seats(seats, resident_seats)
    if drop_in < resource.drop_in_seats():
        over = capacity.first_day_above(rid, now, drop_in)
        if over is not None:
            raise SeatsBelowBookings(
                f"{over[1]} seat(s) are booked on {over[0].isoformat()}; {drop_in} asked",
                day=over[0].isoformat(),
                seats_taken=over[1],
                seats_drop_in=drop_in,
            )
    if resident_seats < (resource.resident_seats or 0):
        over_month = subscriptions.first_month_above(rid, residents.month_of(now), resident_seats)
        if over_month is not None:
            raise ResidentSeatsBelowSubscriptions(
                f"{over_month[1]} subscription(s) in {over_month[0]}; {resident_seats} asked",
                month=over_month[0],
                subscribed=over_month[1],
            )
