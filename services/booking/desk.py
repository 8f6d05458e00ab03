"""The facilitator's desk: approve or reject a request awaiting approval, check someone in,
record the outcome of a booking once begun. A manager of the booking's place or territory
staff only (``access.runs_place``).

Each is a conditional ``commands.move`` from the states it may leave: of an approval, a
rejection and the owner's withdrawal racing on one request, exactly one wins and the others
are told what became of it. Doing again what is done answers the booking again (idempotent
without a stored key: the status is the record).
"""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.booking import NoOutcomeForStatus, NotAwaitingApproval, OutcomeIn, RejectIn
from contracts.identity import Caller
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import parse

from . import access, capacity, queries, rules, waitlist
from .commands import _event_data, move
from .models import Booking
from .rules import desk as desk_rules
from .rules import states


def approve_booking(booking_id: str, key: str, events: EventStager, who: Caller) -> dict:
    """``awaiting_approval → confirmed``; ``booking_confirmed`` (the confirmation and its
    invitation go out as for any booking). An approved booking is answered again; any other
    status is ``NotAwaitingApproval``."""
    booking = _desk_booking(booking_id, who, "approve this booking")
    if booking.status == states.CONFIRMED:
        return booking.to_dict()
    _require_awaiting(booking.status)
    resource = queries.find_resource(booking.resource_id)
    approved = {**_event_data(booking, resource), "acted_by": who.member_id}
    event = events.event("booking_confirmed", approved)
    if not move(
        booking.id,
        states.AWAITING_APPROVAL,
        states.CONFIRMED,
        set__decided_by=_who(who),
        **Booking.staging(event),
    ):
        return _settled(booking, states.CONFIRMED).to_dict()
    events.flush()
    booking.status = states.CONFIRMED
    return booking.to_dict()


def reject_booking(
    booking_id: str, payload: dict, key: str, events: EventStager, who: Caller
) -> dict:
    """``awaiting_approval → rejected`` with a ``reason`` (sent to the person), then its seats
    are free again; ``booking_rejected``. A rejected booking is answered again (and its seats
    released again, which frees any a crash kept between the two writes)."""
    reason = parse(RejectIn, payload).reason
    booking = _desk_booking(booking_id, who, "reject this booking")
    slots = rules.slots(booking.start, booking.end)
    if booking.status != states.REJECTED:
        _require_awaiting(booking.status)
        resource = queries.find_resource(booking.resource_id)
        event = events.event(
            "booking_rejected", {**_event_data(booking, resource), "reason": reason}
        )
        moved = move(
            booking.id,
            states.AWAITING_APPROVAL,
            states.REJECTED,
            set__decided_by=_who(who),
            set__reason=reason,
            **Booking.staging(event),
        )
        booking = _settled(booking, states.REJECTED) if not moved else booking
        events.flush()
        booking.status = states.REJECTED
    capacity.release_all(booking.resource_id, slots, str(booking.id))
    waitlist.released_booking(booking, events)
    return booking.to_dict()


def check_in(
    booking_id: str, key: str, events: EventStager, who: Caller, now: datetime | None = None
) -> dict:
    """The person came: ``→ checked_in``, from shortly before the start until the end."""
    booking = _desk_booking(booking_id, who, "check this booking in")
    if booking.status != states.CHECKED_IN:
        desk_rules.check_check_in(booking.start, booking.end, now or datetime.now(UTC))
    return _record(booking, states.CHECKED_IN, events, who, now)


def record_outcome(
    booking_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
) -> dict:
    """``seen`` (→ ``checked_in``), ``no_show`` or ``excused``, once the booking has begun;
    another outcome corrects the one recorded."""
    target = desk_rules.OUTCOME_STATUS[parse(OutcomeIn, payload).outcome]
    booking = _desk_booking(booking_id, who, "record the outcome of this booking")
    if booking.status != target:
        desk_rules.check_outcome(booking.start, now or datetime.now(UTC))
    return _record(booking, target, events, who, now)


def _record(
    booking: Booking, target: str, events: EventStager, who: Caller, now: datetime | None
) -> dict:
    """Move a confirmed booking (or one with another outcome) to the outcome ``target``;
    ``booking_outcome_recorded``. The same outcome again answers the booking again."""
    source = states.canonical(booking.status)
    if source == target:
        return booking.to_dict()
    if source not in desk_rules.OPEN_FOR_OUTCOME:
        raise NoOutcomeForStatus(f"a {source} booking gets no outcome", status=source)
    resource = queries.find_resource(booking.resource_id)
    recorded = {**_event_data(booking, resource), "outcome": target, "previous_status": source}
    event = events.event("booking_outcome_recorded", recorded)
    if not move(
        booking.id, source, target, now=now, set__decided_by=_who(who), **Booking.staging(event)
    ):
        current = Booking.objects(id=booking.id).first()
        if current.status != target:  # someone recorded another outcome meanwhile
            raise NoOutcomeForStatus(
                f"this booking is now {current.status}", status=states.canonical(current.status)
            )
        return current.to_dict()
    events.flush()
    booking.status = target
    return booking.to_dict()


def _desk_booking(booking_id: str, who: Caller, action: str) -> Booking:
    booking = get_or_404(Booking, booking_id, "booking")
    require(access.runs_place(who, queries.place_of(booking)), who, action, "booking", booking_id)
    return booking


def _require_awaiting(status: str) -> None:
    if status != states.AWAITING_APPROVAL:
        status = states.canonical(status)
        raise NotAwaitingApproval(f"a {status} booking awaits no approval", status=status)


def _settled(booking: Booking, wanted: str) -> Booking:
    """After a lost race: the booking as the winner left it, if it is what we wanted (a
    concurrent retry of ours); ``NotAwaitingApproval`` otherwise."""
    current = Booking.objects(id=booking.id).first()
    if current.status != wanted:
        _require_awaiting(current.status)
    return current


def _who(who: Caller) -> str:
    return who.member_id or "operator"
