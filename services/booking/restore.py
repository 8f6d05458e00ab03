"""Restore a cancelled booking: the place undoes a cancellation (its own mistake, or the
person changed their mind and called). A manager of the booking's place or territory staff,
until the booking starts, and only if its seats can be taken again by the same capacity rule
as any booking (``capacity.hold_all``): a seat freed by the cancellation may have gone to
someone else since.

``cancelled → confirmed`` by ``commands.move`` (``rules/states.py``), ``booking_restored``
staged in the same write with the next calendar ``sequence`` (the person's calendar replaces
the cancelled event by the restored one), its reminder scheduled again if its moment has not
passed. Idempotent without a stored key: a confirmed booking is answered again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.booking import NoSeatLeft, NotRestorable, RestoreTooLate
from contracts.identity import Caller
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager

from . import access, capacity, queries, reminders, rules
from .commands import _event_data, move
from .models import Booking
from .rules import desk as desk_rules
from .rules import figures as figure_rules
from .rules import states


def restore_booking(
    booking_id: str, key: str, events: EventStager, who: Caller, now: datetime | None = None
) -> dict:
    booking = get_or_404(Booking, booking_id, "booking")
    allowed = access.runs_place(who, queries.place_of(booking))
    require(allowed, who, "restore this booking", "booking", booking_id)
    if booking.status == states.CONFIRMED:
        return booking.to_dict()
    if booking.status != states.CANCELLED:
        status = states.canonical(booking.status)
        raise NotRestorable(f"a {status} booking cannot be restored", status=status)
    now = now or datetime.now(UTC)
    if desk_rules.as_utc(booking.start) <= now:
        raise RestoreTooLate(
            "this booking has started; it can no longer be restored",
            start=booking.to_dict()["start"],
        )
    resource = queries.find_resource(booking.resource_id)
    slots = rules.slots(booking.start, booking.end)
    seats = resource.drop_in_seats()
    if not capacity.hold_all(booking.resource_id, slots, str(booking.id), booking.seats, seats):
        taken = capacity.seats_taken(booking.resource_id, slots)
        raise NoSeatLeft(
            "its seats were taken since it was cancelled",
            seats_total=seats,
            seats_taken=taken,
            seats_requested=booking.seats,
        )
    sequence = (booking.sequence or 1) + 1
    restored = {
        **_event_data(booking, resource),
        "sequence": sequence,
        "restored_by": who.member_id or "operator",
    }
    event = events.event("booking_restored", restored)
    if not move(
        booking.id,
        states.CANCELLED,
        states.CONFIRMED,
        now=now,
        set__sequence=sequence,
        set__decided_by=who.member_id or "operator",
        **reminders.schedule(booking, resource, now),
        **Booking.staging(event),
    ):
        current = Booking.objects(id=booking.id).first()
        if current.status == states.CONFIRMED:  # a concurrent restore won: the seats are its
            return current.to_dict()
        capacity.release_all(booking.resource_id, slots, str(booking.id))
        status = states.canonical(current.status)
        raise NotRestorable(f"a {status} booking cannot be restored", status=status)
    events.flush()
    booking.status = states.CONFIRMED
    return booking.to_dict()


def restorable(
    place_id: str,
    names: dict[str, str],
    start: datetime,
    end: datetime,
    timezone: str,
    now: datetime | None = None,
) -> list[dict]:
    """The cancelled bookings of the place's resources (``names``: id → name) starting in
    [start, end) and not begun, for the planning's restore buttons. Cancelled bookings hold
    no seats, so they are read by the place's month keys of the figures (one indexed
    equality per month, ``rules.figures.place_key``), filtered here."""
    now = now or datetime.now(UTC)
    zone = ZoneInfo(timezone)
    # A day either side: the figures' months are local, the window's bounds UTC.
    months = figure_rules.months_of(start - timedelta(days=1), end + timedelta(days=1), zone)
    found: dict[str, dict] = {}
    for month in months:
        for booking in Booking.objects(month_keys=figure_rules.place_key(month, place_id)):
            begins = desk_rules.as_utc(booking.start)
            if (
                booking.status == states.CANCELLED
                and booking.resource_id in names
                and start <= begins < end
                and now < begins
            ):
                shown = booking.to_dict()
                found[shown["id"]] = {**shown, "resource_name": names[booking.resource_id]}
    return sorted(found.values(), key=lambda b: (b["start"], b["resource_name"], b["id"]))
