"""The waitlist: a booking that found no seat and asked to wait, then the seats freed for it.

A release of seats (a cancellation, a rejection, the sweep of an abandoned hold, a lapsed
offer) calls ``released``: the waiting bookings of that resource overlapping the freed period
are tried in line order (``queued_at``: the creation, or the lapse of an offer), each by

1. a conditional ``waitlisted → held`` (``commands.move``): of two releases racing, only one
   claims a booking;
2. the capacity rule of every booking (``capacity.hold_all``, conditional per day): no
   release can give seats twice nor overbook;
3. ``held → confirmed`` / ``awaiting_approval`` (``auto``) or ``held → offered`` until
   ``offer_expires_at`` (``offer``); seats that do not fit send it back to ``waitlisted``.

One release at a time promotes a resource's line (``WaitlistTurn``, a leased turn taken by a
conditional update): a release arriving meanwhile sets ``again`` and the one promoting goes
round once more, so the line is served in order even when cancellations race — safety
(no seat twice, no overbooking) never depends on it, fairness does.

Party sizes: a booking whose seats do not fit is skipped, and the next (smaller) one may take
what was freed. A claim that fails because another release had not given its seats back yet
is caught by the minute timer (``retry``), so no freed seat stays idle while someone waits.

Messages: the waitlist notice, then one per offer, at most ``WAITLIST_MAX_MESSAGES`` per
entry (counted on the booking by a conditional ``$inc``). An offer that lapses sends the
booking to the end of the line; one that lapses when the entry had its messages takes it off
the list (``rejected``), silently.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from contracts.booking import (
    WAITLIST_MAX_MESSAGES,
    InvalidWaitlistLink,
    NotCancellable,
    NotOffered,
)
from contracts.identity import Caller
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager

from . import access, capacity, commands, links, queries, rules
from .models import Booking, Resource, WaitlistTurn
from .rules import states
from .rules import waitlist as line

# How many waiting or offered bookings one timer round reads.
BATCH = 500
# How long a release may keep a resource's turn to promote before another takes it over.
TURN_LEASE = timedelta(seconds=30)


def join(booking: Booking, resource: Resource, events: EventStager, now: datetime) -> dict:
    """No seat left for ``booking`` (held, nothing taken): it waits, ``held → waitlisted``,
    with the ``booking_waitlisted`` event (the notice: message 1)."""
    position = 1 + sum(1 for b in waiting(str(resource.id), booking.start, booking.end))
    data = {
        **commands._event_data(booking, resource),
        "position": position,
        "leave_token": links.token_for(str(booking.id), "leave"),
        "message": 1,
    }
    event = events.event("booking_waitlisted", data)
    moved = commands.move(
        booking.id,
        booking.status,
        states.WAITLISTED,
        now=now,
        set__waitlist=True,
        set__queued_at=booking.created_at or now,
        set__messages=1,
        **Booking.staging(event),
    )
    current = booking if moved else Booking.objects(id=booking.id).first()
    if moved:
        current.status = states.WAITLISTED
    events.flush()
    return {**current.to_dict(), "position": position}


def waiting(
    resource_id: str, start: datetime | None = None, end: datetime | None = None
) -> list[Booking]:
    """The waiting bookings of a resource (overlapping [start, end) if given), first in line
    first. One indexed equality on ``status`` (waiting bookings are few), the rest here; not
    cut to a batch: a territory's first ``BATCH`` waiting bookings, in no particular order,
    could leave out the first in this resource's line."""
    found = Booking.objects(status=states.WAITLISTED)
    mine = (b for b in found if b.resource_id == resource_id)
    if start is not None and end is not None:
        mine = (b for b in mine if _overlaps(b, start, end))
    return line.in_line(mine)


def released(
    resource_id: str,
    start: datetime,
    end: datetime,
    events: EventStager,
    now: datetime | None = None,
) -> list[str]:
    """Seats of ``resource_id`` over [start, end) were freed: promote whom they now fit, in
    line order; returns the promoted bookings' ids."""
    now = now or datetime.now(UTC)
    if not waiting(resource_id, start, end):
        return []
    resource = queries.find_resource(resource_id)
    promoted: list[str] = []
    WaitlistTurn.objects(id=resource_id).update_one(upsert=True, set__again=True)
    if not _take_turn(resource_id):
        return []  # another release is promoting: it goes round again for these seats
    while True:
        # The whole line: a release that asked meanwhile may have freed another period.
        queue = [b for b in waiting(resource_id) if _as_utc(b.start) > now]
        promoted += [str(b.id) for b in queue if _promote(b, resource, events, now)]
        # Done, unless another release asked meanwhile: then once more, for its seats.
        if WaitlistTurn.objects(id=resource_id, again=False).update_one(unset__until=True):
            break
        WaitlistTurn.objects(id=resource_id).update_one(set__again=False)
    events.flush()
    return promoted


def _take_turn(resource_id: str) -> bool:
    """Take the resource's turn to promote (free, or its lease lapsed: the release holding
    it died); clears ``again``, which a release coming later sets."""
    now = datetime.now(UTC)  # the lease is real time, whatever ``now`` a caller passes
    lease = {"set__until": now + TURN_LEASE, "set__again": False}
    free = WaitlistTurn.objects(id=resource_id, until=None).update_one(**lease)
    return bool(free) or bool(
        WaitlistTurn.objects(id=resource_id, until__lt=now).update_one(**lease)
    )


def released_booking(booking: Booking, events: EventStager, now: datetime | None = None) -> None:
    """``released`` for the period a booking just gave back."""
    released(booking.resource_id, booking.start, booking.end, events, now)


def _promote(booking: Booking, resource: Resource, events: EventStager, now: datetime) -> bool:
    if not commands.move(booking.id, states.WAITLISTED, states.HELD, now=now):
        return False  # another release claimed it, or it left
    slots = rules.slots(booking.start, booking.end)
    if not capacity.hold_all(
        str(resource.id), slots, str(booking.id), booking.seats, resource.drop_in_seats()
    ):
        commands.move(booking.id, states.HELD, states.WAITLISTED, now=now)
        return False
    settings = resource.rules()
    data = commands._event_data(booking, resource)
    if settings.waitlist_mode == "auto":
        target, event = _settled(resource, data, events)
        updates: dict = {}
    else:
        target = states.OFFERED
        expires = now + timedelta(minutes=settings.offer_minutes)
        # shown in the email at the person's own offset, as the booking's times
        local = timezone(timedelta(minutes=booking.utc_offset_minutes or 0))
        message = _count_message(booking)
        event = events.event(
            "booking_offered",
            {
                **data,
                "expires_at": expires.astimezone(local).isoformat(),
                "accept_token": links.token_for(str(booking.id), "accept"),
                "leave_token": links.token_for(str(booking.id), "leave"),
                "message": message,
            },
        )
        updates = {"set__offer_expires_at": expires}
    if commands.move(booking.id, states.HELD, target, now=now, **updates, **Booking.staging(event)):
        return True
    # Swept as abandoned while we worked (a very slow worker): give the seats back.
    capacity.release_all(str(resource.id), slots, str(booking.id))
    return False


def _settled(resource: Resource, data: dict, events: EventStager) -> tuple[str, dict]:
    """Booked from the waitlist: confirmed, or awaiting the place's approval if it needs it
    (the person, not a manager, asked: a manager's own booking never waits)."""
    if resource.rules().approval_required:
        return states.AWAITING_APPROVAL, events.event("booking_requested", data)
    return states.CONFIRMED, events.event("booking_confirmed", data)


def _count_message(booking: Booking) -> int:
    """Count one more message for this entry: its number, or 0 (none to send) once it had
    ``WAITLIST_MAX_MESSAGES``. A conditional ``$inc``: two writers cannot both take the
    last one."""
    counted = Booking.objects(id=booking.id, messages__lt=WAITLIST_MAX_MESSAGES).update_one(
        inc__messages=1
    )
    if not counted:
        return 0
    return Booking.objects(id=booking.id).only("messages").first().messages


def accept_offer(
    booking_id: str,
    token: str | None,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
) -> dict:
    """The person takes the seats offered: ``offered → confirmed`` (or ``awaiting_approval``
    where the place approves), with the usual confirmation. Its owner signed in, or anyone
    with the token of the offer's email. Idempotent: accepted already, answered again."""
    booking = get_or_404(Booking, booking_id, "booking")
    if token is not None:
        if links.booking_of(token, "accept") != booking_id:
            raise InvalidWaitlistLink("invalid waitlist link", field="token")
    else:
        owner = access.is_owner(booking, who)
        require(owner, who, "accept this offer", "booking", booking_id)
    status = states.canonical(booking.status)
    if status in (states.CONFIRMED, states.AWAITING_APPROVAL) and booking.waitlist:
        return booking.to_dict()
    now = now or datetime.now(UTC)
    if status != states.OFFERED or _as_utc(booking.offer_expires_at) <= now:
        raise NotOffered(f"a {status} booking has no offer to accept", status=status)
    resource = queries.find_resource(booking.resource_id)
    target, event = _settled(resource, commands._event_data(booking, resource), events)
    if not commands.move(booking.id, states.OFFERED, target, now=now, **Booking.staging(event)):
        current = Booking.objects(id=booking.id).first()
        if states.canonical(current.status) != target:
            raise NotOffered("this offer is no longer open", status=current.status)
        return current.to_dict()
    events.flush()
    booking.status = target
    return booking.to_dict()


def leave(token: str, key: str, events: EventStager, now: datetime | None = None) -> dict:
    """The one-click leave link: cancel the waiting (or offered) booking as its owner, with
    no sign-in. Idempotent (a cancelled one is answered again). Only a waitlist entry: a
    booking since confirmed is cancelled signed in."""
    booking_id = links.booking_of(token, "leave")
    booking = get_or_404(Booking, booking_id, "booking")
    status = states.canonical(booking.status)
    if status not in (states.WAITLISTED, states.OFFERED, states.CANCELLED):
        raise NotCancellable(f"a {status} booking is not on the waitlist", status=status)
    owner = Caller(member_id=booking.member_id, email=booking.email, name=booking.name)
    return commands.cancel_booking(booking_id, key, events, owner, now=now)


def expire_offers(events: EventStager, now: datetime | None = None) -> int:
    """The minute timer: lapse the offers past ``offer_expires_at`` (exactly once each: a
    conditional ``move``), give their seats to the next in line, and retry every waiting
    booking (a release racing a claim may have left seats idle). Returns the offers lapsed."""
    now = now or datetime.now(UTC)
    lapsed = 0
    for booking in Booking.objects(status=states.OFFERED).limit(BATCH):
        if _as_utc(booking.offer_expires_at) > now:
            continue
        requeue = (booking.messages or 0) < WAITLIST_MAX_MESSAGES
        resource = queries.find_resource(booking.resource_id)
        data = {**commands._event_data(booking, resource), "requeued": requeue}
        event = events.event("booking_offer_lapsed", data)
        target = states.WAITLISTED if requeue else states.REJECTED
        moved = commands.move(
            booking.id,
            states.OFFERED,
            target,
            now=now,
            set__queued_at=now,
            unset__offer_expires_at=True,
            **Booking.staging(event),
        )
        if moved:
            capacity.release_all(
                booking.resource_id, rules.slots(booking.start, booking.end), str(booking.id)
            )
            lapsed += 1
    events.flush()
    retry(events, now)
    return lapsed


def retry(events: EventStager, now: datetime) -> None:
    """Try every resource's waiting bookings again; those whose period began leave the list
    (``rejected``): no seat came in time."""
    by_resource: dict[str, list[Booking]] = {}
    for booking in Booking.objects(status=states.WAITLISTED).limit(BATCH):
        if _as_utc(booking.start) <= now:
            commands.move(booking.id, states.WAITLISTED, states.REJECTED, now=now)
            continue
        by_resource.setdefault(booking.resource_id, []).append(booking)
    for resource_id, queue in by_resource.items():
        start = min(b.start for b in queue)
        end = max(b.end for b in queue)
        released(resource_id, start, end, events, now)


def waiting_list(resource_id: str, who: Caller) -> list[dict]:
    """A resource's line as its place's managers and territory staff see it: the waiting and
    offered bookings, first in line first."""
    resource = queries.find_resource(resource_id)
    require(
        access.runs_place(who, resource.place_id), who, "see the waitlist", "resource", resource_id
    )
    found = [
        b
        for status in (states.OFFERED, states.WAITLISTED)
        for b in Booking.objects(status=status)
        if b.resource_id == resource_id
    ]
    return [
        {
            **b.to_dict(),
            "position": n,
            "created_at": _as_utc(b.created_at).isoformat(),
        }
        for n, b in enumerate(line.in_line(found), start=1)
    ]


def _overlaps(booking: Booking, start: datetime, end: datetime) -> bool:
    return _as_utc(booking.start) < _as_utc(end) and _as_utc(start) < _as_utc(booking.end)


def _as_utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
