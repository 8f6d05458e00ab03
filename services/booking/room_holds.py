"""A whole room held for someone who is no person (a permanence's opening, a club's meeting,
a workshop): one confirmed booking of the room taking all its seats, with no email, keyed so
that a retry holds it once. Capacity as for any booking (``capacity.hold_all``): a later
booking of the room clashes with the hold through the same conditional update."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.common.idempotency import insert_once
from services.common.validation import fingerprint

from . import capacity, commands, rules
from .models import Booking, Resource
from .rules import states


def claim(
    room: Resource, start: datetime, end: datetime, key: str, name: str, timezone: str, **marks
) -> Booking:
    """The room's hold under ``key`` (``held`` when new; ``marks``: its owner's fields, e.g.
    ``permanence_id``)."""
    digest = fingerprint({"room": str(room.id), "start": start.isoformat(), "end": end.isoformat()})

    def build() -> Booking:
        return Booking(
            resource_id=str(room.id),
            place_id=room.place_id,
            start=start,
            end=end,
            # Shown in the place's local time, as the person who books would write it.
            utc_offset_minutes=int(
                start.astimezone(ZoneInfo(timezone)).utcoffset().total_seconds() // 60
            ),
            seats=room.seats,
            name=name[:120],
            status=states.HELD,
            idempotency_key=key,
            fingerprint=digest,
            **marks,
        )

    return insert_once(Booking, key, digest, build, "booking")


def take(hold: Booking, room: Resource) -> bool:
    """Take the room's seats for a claimed hold and confirm it; False (and the hold
    rejected) when the room is taken then. A hold confirmed already is True."""
    if hold.status == states.CONFIRMED:
        return True
    if hold.status not in states.SWEPT:
        return False
    if not capacity.hold_all(
        str(room.id), rules.slots(hold.start, hold.end), str(hold.id), room.seats, room.seats
    ):
        commands.move(hold.id, hold.status, states.REJECTED)
        return False
    return commands.move(hold.id, hold.status, states.CONFIRMED)


def hold(
    room: Resource, start: datetime, end: datetime, key: str, name: str, timezone: str, **marks
) -> bool:
    """Claim and take at once (True: held)."""
    return take(claim(room, start, end, key, name, timezone, **marks), room)


def release(hold: Booking) -> bool:
    """Cancel a hold (reject one still being taken) and give its seats back; True when a
    confirmed hold was cancelled now."""
    cancelled = False
    if hold.status in states.SWEPT:
        commands.move(hold.id, hold.status, states.REJECTED)
    elif hold.status == states.CONFIRMED:
        cancelled = commands.move(
            hold.id, states.CONFIRMED, states.CANCELLED, set__cancelled_by="staff"
        )
    capacity.release_all(hold.resource_id, rules.slots(hold.start, hold.end), str(hold.id))
    return cancelled
