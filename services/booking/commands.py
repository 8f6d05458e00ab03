"""What the booking service writes. Each command is idempotent by key, stages its events in
the document it writes (outbox), and changes a booking's status only through ``move``."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from contracts.booking import (
    AttemptExpired,
    BookingIn,
    BookingStarted,
    BookThroughPermanence,
    NoSeatLeft,
    NotCancellable,
    ResourceIn,
    ResourcePatch,
    ResourceSettings,
    UnknownPlace,
)
from contracts.identity import ANONYMOUS, Caller
from services.common.idempotency import insert_once
from services.common.identity import is_territory_staff, require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import (
    access,
    appointments,
    capacity,
    figures,
    projections,
    queries,
    quotas,
    reminders,
    rules,
    seat_changes,
    waitlist,
)
from .models import Booking, Resource
from .rules import desk as desk_rules
from .rules import settings as resource_rules
from .rules import states

# How many held bookings one sweep reads per status.
SWEEP_BATCH = 500


def create_resource(
    place_id: str, payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS
) -> dict:
    """A resource of a place, created by one of its managers or a territory admin."""
    access.check_create_resource(who, place_id)
    data = parse(ResourceIn, payload)
    # Places come from the directory's events (projection): no call on the request path.
    if not projections.knows_place(place_id):
        raise UnknownPlace(f"no place {place_id}", id=place_id)
    digest = fingerprint({"place_id": place_id, **data.model_dump(mode="json")})

    def build() -> Resource:
        resource = Resource(
            id=ObjectId(),
            place_id=place_id,
            name=data.name,
            kind=data.kind.value,
            seats=data.seats,
            resident_seats=data.resident_seats,
            settings=_settings_of(data.model_dump(mode="json", exclude_unset=True)),
            idempotency_key=key,
            fingerprint=digest,
        )
        created = {
            "resource_id": str(resource.id),
            "place_id": place_id,
            "name": data.name,
            "kind": data.kind.value,
            "seats": data.seats,
        }
        resource.stage(events.event("resource_created", created))
        return resource

    resource = insert_once(Resource, key, digest, build, "resource")
    events.flush()
    return resource.to_dict()


def update_resource(
    resource_id: str, payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS
) -> dict:
    """Change a resource's name, seats or booking rules: a manager of its place or a
    territory admin. Only the fields sent change; the result is validated whole. Idempotent:
    nothing changed, nothing written and no event."""
    resource = queries.find_resource(resource_id)
    access.check_update_resource(who, resource.place_id)
    patch = parse(ResourcePatch, payload).model_dump(mode="json", exclude_unset=True)
    merged = {**resource.rules().model_dump(mode="json"), **_settings_of(patch)}
    rules_now = parse(ResourceSettings, merged)  # e.g. min > max only shows once merged
    settings = _settings_of(rules_now.model_dump(mode="json", exclude_unset=True))
    before = resource.to_dict()
    own = ("name", "seats", "resident_seats")
    after = {**before, **{k: patch[k] for k in own if patch.get(k) is not None}}
    after.update(rules_now.model_dump(mode="json"))
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return before
    seat_changes.check_seat_change(resource, after["seats"], after["resident_seats"])
    event = events.event(
        "resource_updated",
        {
            "resource_id": resource_id,
            "place_id": resource.place_id,
            "changed": changed,
            "resource": after,
        },
    )
    Resource.objects(id=resource.id).update_one(
        set__name=after["name"],
        set__seats=after["seats"],
        set__resident_seats=after["resident_seats"],
        set__settings=settings,
        **Resource.staging(event),
    )
    events.flush()
    return after


def _settings_of(fields: dict) -> dict:
    """The booking rules among a resource's fields (name, kind, seats are its own)."""
    return {k: v for k, v in fields.items() if k in ResourceSettings.model_fields}


def move(
    booking_id: ObjectId, source: str, target: str, *, now: datetime | None = None, **updates
) -> bool:
    """Change a booking's status from ``source`` to ``target``: refused outright when the
    state machine has no such transition, and a no-op (False) when the booking is no longer
    in ``source`` — a conditional update on ``{_id, status: source}``, so that of two writers
    racing on one booking only one wins. ``updates``: more ``update_one`` arguments for the
    same write (e.g. ``Booking.staging(event)``)."""
    states.check(source, target)
    changed = Booking.objects(id=booking_id, status=source).update_one(
        set__status=target, set__status_changed_at=now or datetime.now(UTC), **updates
    )
    return changed == 1


def create_booking(
    payload: dict,
    key: str,
    events: EventStager,
    now: datetime | None = None,
    who: Caller = ANONYMOUS,
    series_id: str | None = None,
    appointment: dict | None = None,
) -> dict:
    """Book, signed in: for oneself, or as a manager of the place for someone
    (``access.booker``). The booking is its member's (``member_id``) and, by its email, the
    member's whose confirmed address it is. A retry with the key answers the same booking,
    but only to the same caller (the caller is part of the fingerprint). ``series_id``: an
    occurrence of that series (``series.py``), named in its event. ``appointment``: an
    appointment of a permanence (``permanences.book_appointment``, which checked it), an
    ``AppointmentInfo`` dict stored on the booking and carried by its event."""
    data = parse(BookingIn, payload)
    resource = queries.find_resource(data.resource_id)
    if resource.permanence_id and appointment is None:
        raise BookThroughPermanence(
            "book this agent's time as an appointment of its permanence",
            permanence_id=resource.permanence_id,
        )
    person = access.booker(data, who, resource.place_id)
    counted = figures.recorded(data, person, who, resource)
    now = now or datetime.now(UTC)
    rules.check_period(data.start, data.end, now)
    rules.check_seats(data.seats, resource.drop_in_seats())
    resource_rules.check_booking(resource.rules(), data.start, data.end, now)
    request = data.model_dump(mode="json")
    request.update(booker=person.__dict__, caller=who.member_id or "operator")
    if appointment is not None:
        request.update(appointment=appointment)
    digest = fingerprint(request)
    if who.member_id and person.member_id == who.member_id:  # fair use binds one's own
        quotas.check(data, person, key, now)

    booking = _claim(data, key, digest, person, resource.place_id, series_id, counted, appointment)
    if booking.status == states.REJECTED:
        raise NoSeatLeft("no seat left on this resource for that time", **_busy(resource, data))
    if booking.status not in states.SWEPT:  # settled by an earlier try with this key
        return booking.to_dict()
    held = booking.status  # "held", or "pending" when an earlier version wrote it

    slots = rules.slots(booking.start, booking.end)
    if not capacity.hold_all(
        str(resource.id), slots, str(booking.id), data.seats, resource.drop_in_seats()
    ):
        if data.waitlist:  # the person asked to wait for a seat
            return waitlist.join(booking, resource, events, now)
        move(booking.id, held, states.REJECTED)
        raise NoSeatLeft("no seat left on this resource for that time", **_busy(resource, data))

    # A resource that needs the place's approval: the request keeps its seats and waits for
    # a manager (desk.py), unless the booker runs the place.
    waits = resource.rules().approval_required and not access.runs_place(who, resource.place_id)
    data = {**_event_data(booking, resource, appointment), "acted_by": who.member_id}
    if waits:
        settled, event = states.AWAITING_APPROVAL, events.event("booking_requested", data)
    else:
        settled, event = states.CONFIRMED, events.event("booking_confirmed", data)
    booking.status = settled
    # Its reminder (reminders.py), sent only while it is confirmed: an approval keeps it.
    remind = reminders.schedule(booking, resource, now)
    if not move(booking.id, held, settled, **remind, **Booking.staging(event)):
        current = Booking.objects(id=booking.id).first()
        if current.status == settled:  # a concurrent retry with this key won
            return current.to_dict()
        # Released as abandoned while we worked: give the seats back.
        capacity.release_all(str(resource.id), slots, str(booking.id))
        raise AttemptExpired("this booking attempt expired; please try again")
    events.flush(Booking)  # its event is in the booking: the relay reads bookings alone
    return booking.to_dict()


def release_abandoned(now: datetime, events: EventStager | None = None) -> int:
    """Reject the bookings held longer than ``ABANDONED_AFTER`` (their worker died mid-way
    and no retry with their key came), and free their seats; returns how many.

    Reads only the statuses in ``states.SWEPT`` (``held``, and ``pending`` as written by
    earlier versions), one indexed equality each; no other state is ever touched.
    """
    released = 0
    for status in sorted(states.SWEPT):
        # Equality on status only: held bookings are few, the age is checked here.
        for booking in Booking.objects(status=status).limit(SWEEP_BATCH):
            if not states.is_abandoned(booking.status, booking.held_since(), now):
                continue
            if move(booking.id, booking.status, states.REJECTED, now=now):
                if states.releases_seats(booking.status, states.REJECTED):
                    slots = rules.slots(booking.start, booking.end)
                    capacity.release_all(booking.resource_id, slots, str(booking.id))
                    if events is not None:
                        waitlist.released_booking(booking, events, now)
                released += 1
    return released


def cancel_booking(
    booking_id: str,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
    series_cancel: bool = False,
    payload: dict | None = None,
) -> dict:
    """Cancel a booking: its owner, a manager of its place or territory staff only (401 for
    anonymous, 403 ``forbidden`` for anyone else); its owner before it starts, a manager of
    the place or staff until it ends (``BookingStarted``), with a ``reason`` (``payload``)
    when it is someone else's (``ReasonRequired``). ``confirmed`` (or a request
    ``awaiting_approval``) ``→ cancelled`` by ``move``, the ``booking_cancelled`` event
    staged in the same write; then its seats are released.

    Idempotent: cancelling a cancelled booking answers it again (and releases its seats
    again, which frees any a crash kept between the two writes). ``series_cancel``: one of
    several occurrences cancelled together (``series.cancel_series`` tells the person once)."""
    booking = get_or_404(Booking, booking_id, "booking")
    allowed = access.owner_or_staff(booking, who, queries.place_of(booking))
    require(allowed, who, "cancel this booking", "booking", booking_id)
    slots = rules.slots(booking.start, booking.end)
    if booking.cancel_key == key and booking.status != states.CANCELLED:
        return booking.to_dict()  # a retry of a cancellation the place undid (restore.py)
    if booking.status == states.CANCELLED:
        capacity.release_all(booking.resource_id, slots, str(booking.id))
        return booking.to_dict()
    source = states.canonical(booking.status)
    if not states.allowed(source, states.CANCELLED):
        raise NotCancellable(f"a {source} booking cannot be cancelled", status=source)
    now = now or datetime.now(UTC)
    start = booking.start if booking.start.tzinfo else booking.start.replace(tzinfo=UTC)
    # The deadline binds the owner alone: a manager of the place or staff cancel "at any
    # time with a reason", until the end.
    staff = is_territory_staff(who) or who.manages_place(queries.place_of(booking))
    reason = desk_rules.cancel_reason(payload, staff=staff, owner=access.is_owner(booking, who))
    limit = desk_rules.as_utc(booking.end) if staff else start
    if limit <= now:
        raise BookingStarted(
            "this booking has started; it can no longer be cancelled",
            start=booking.to_dict()["start"],
        )
    by = "owner" if access.is_owner(booking, who) else "staff"
    resource = queries.find_resource(booking.resource_id)
    if source not in (states.WAITLISTED, states.OFFERED):  # leaving a waitlist: any time
        resource_rules.check_cancellation(resource.rules(), start, now, by_owner=not staff)
    cancelled = {
        **_event_data(booking, resource),
        "cancelled_by": by,
        # After a restoration (restore.py) the calendar has seen a higher revision.
        "sequence": (booking.sequence or 0) + 1,
        "series_cancel": series_cancel,
        "acted_by": who.member_id,
    }
    # A request withdrawn before the place answered had no invitation to take back.
    cancelled.update(reason=reason, previous_status=source)
    event = events.event("booking_cancelled", cancelled)
    moved = move(
        booking.id,
        booking.status,
        states.CANCELLED,
        now=now,
        set__cancel_key=key,
        set__cancelled_by=by,
        set__reason=reason,
        set__sequence=cancelled["sequence"],
        **Booking.staging(event),
    )
    if not moved:  # someone else changed it meanwhile
        current = Booking.objects(id=booking.id).first()
        if current.status != states.CANCELLED:
            status = states.canonical(current.status)
            raise NotCancellable(f"a {status} booking cannot be cancelled", status=status)
    if not moved or states.releases_seats(source, states.CANCELLED):
        capacity.release_all(booking.resource_id, slots, str(booking.id))
        waitlist.released_booking(booking, events, now)
    events.flush()
    booking.status = states.CANCELLED
    return booking.to_dict()


def _claim(
    data: BookingIn,
    key: str,
    digest: str,
    person: access.Booker,
    place_id: str,
    series_id: str | None = None,
    counted: dict | None = None,
    appointment: dict | None = None,
) -> Booking:
    """Insert the held booking, or find the one an earlier try with this key made.
    ``counted``: its fields for the funders' figures (``figures.recorded``)."""
    # An appointment's motif and mode are stored on it (figures count them).
    marks = {k: appointment[k] for k in ("permanence_id", "motif", "mode")} if appointment else {}

    def build() -> Booking:
        return Booking(
            resource_id=data.resource_id,
            place_id=place_id,
            start=data.start.astimezone(UTC),
            end=data.end.astimezone(UTC),
            utc_offset_minutes=int(data.start.utcoffset().total_seconds() // 60),
            seats=data.seats,
            name=person.name,
            email=person.email,
            phone=person.phone,
            email_key=access.email_key(person.email),
            member_id=person.member_id,
            language=data.language,
            status=states.HELD,
            idempotency_key=key,
            fingerprint=digest,
            series_id=series_id,
            **(counted or {}),
            **marks,
        )

    return insert_once(Booking, key, digest, build, "booking")


def _busy(resource: Resource, data: BookingIn) -> dict:
    taken = capacity.seats_taken(str(resource.id), rules.slots(data.start, data.end))
    seats = resource.drop_in_seats()
    return {"seats_total": seats, "seats_taken": taken, "seats_requested": data.seats}


def _event_data(booking: Booking, resource: Resource, appointment: dict | None = None) -> dict:
    """A booking's event fields; an appointment's say which (given when it is being made,
    read back from its permanence afterwards)."""
    shown = booking.to_dict()
    if appointment is None:
        appointment = appointments.info_of(booking)
    more = {"appointment": {**appointment, "phone": booking.phone}} if appointment else {}
    return {
        **more,
        "booking_id": str(booking.id),
        "resource_id": str(resource.id),
        "resource_name": resource.name,
        "place_id": resource.place_id,
        "place_name": projections.place_name(resource.place_id),
        "start": shown["start"],
        "end": shown["end"],
        "seats": booking.seats,
        "name": booking.name,
        "email": booking.email,
        "language": booking.language,
        "series_id": booking.series_id,
        "notify_managers": resource.rules().notify_managers,
    }
