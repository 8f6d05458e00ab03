"""Permanences: an agent's time at a place, on a rule, offering motifs (France Services, the
employment relay, CAF, the digital-help volunteer).

- The agent's time is a resource of kind ``appointment_slot`` owned by the permanence
  (``Resource.permanence_id``): an appointment is an ordinary booking of it
  (``commands.create_booking``: same states, emails, ``.ics``, my bookings, cancellation,
  outcomes), with ``motif`` and ``mode`` stored on it, and capacity is the same database
  rule. The resource has ``seat_unit`` seats (the least common multiple of the motifs'
  capacities): an individual appointment takes them all, a place in a group of N ``1/N``.
- The room (``room_resource_id``) is held for every opening over ``ROOM_HORIZON_DAYS`` as
  bookings of the room owned by the permanence (``Booking.permanence_id``, no person, no
  email); a clash refuses the creation (409 ``room_unavailable``) and later bookings of the
  room clash with the holds through the capacity rule. ``extend_room_holds`` (a daily timer)
  moves the horizon on; closing the permanence frees the future holds.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bson import ObjectId

from contracts.booking import (
    ROOM_HORIZON_DAYS,
    AppointmentIn,
    AppointmentMode,
    ModeNotOffered,
    MotifIn,
    NotASlot,
    PermanenceClosed,
    PermanenceIn,
    PermanencePatch,
    PhoneRequired,
    ResourceKind,
    ResourceSettings,
    RoomNotOfPlace,
    RoomUnavailable,
    SeatUnitChanged,
    UnknownMotif,
    UnknownPlace,
    seat_unit,
)
from contracts.identity import ANONYMOUS, Caller
from services.common.idempotency import insert_once
from services.common.identity import is_territory_staff, require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import capacity, commands, projections, queries, room_holds, rules
from .models import Booking, Permanence, Resource
from .rules import availability as free
from .rules import permanences as slots_rule

log = logging.getLogger(__name__)

OPENING, OPEN, REFUSED, CLOSED = "opening", "open", "refused", "closed"


# -- reads -----------------------------------------------------------------------------------
def find(permanence_id: str) -> Permanence:
    return get_or_404(Permanence, permanence_id, "permanence")


def spec_of(permanence: Permanence) -> PermanenceIn:
    return PermanenceIn.model_validate(permanence.spec)


def shown(permanence: Permanence) -> dict:
    spec = spec_of(permanence)
    held = permanence.room_held_until
    return {
        "id": str(permanence.id),
        "place_id": permanence.place_id,
        "resource_id": permanence.resource_id,
        **spec.model_dump(mode="json"),
        "room_held_until": held.replace(tzinfo=UTC).isoformat() if held else None,
        "seat_unit": _unit(spec),
        "status": permanence.status,
    }


def get_permanence(permanence_id: str) -> dict:
    # One being created, or refused, is not there yet (or ever).
    permanence = get_or_404(Permanence, permanence_id, "permanence", status__in=(OPEN, CLOSED))
    return shown(permanence)


def list_permanences(place_id: str) -> list[dict]:
    """A place's open permanences (one indexed equality; the status is read here)."""
    found = Permanence.objects(place_id=place_id).order_by("created_at")
    return [shown(p) for p in found if p.status == OPEN]


def motif_of(spec: PermanenceIn, code: str) -> MotifIn:
    for motif in spec.motifs:
        if motif.code == code:
            return motif
    raise UnknownMotif(f"no motif {code!r} in this permanence", field="motif", motif=code)


def slots(
    permanence_id: str,
    motif: str,
    start: str | None,
    end: str | None,
    now: datetime | None = None,
) -> dict:
    """A motif's free appointments between ``start`` and ``end`` (dates or datetimes as
    for availability; by default today and the next 7 days; at most 31 days), each with the
    places left (1 for an individual motif)."""
    permanence = find(permanence_id)
    if permanence.status != OPEN:
        raise PermanenceClosed("this permanence is closed", id=permanence_id)
    spec = spec_of(permanence)
    wanted = motif_of(spec, motif)
    now = now or datetime.now(UTC)
    tz = _zone(spec)
    lo, hi = free.window(start, end, ResourceSettings(timezone=spec.timezone), now)
    found = slots_rule.motif_slots(spec.rule, tz, spec.closures, wanted, lo, hi, now)
    unit = _unit(spec)
    taken = capacity.taken_by_slot(
        permanence.resource_id, [q for s in found for q in rules.slots(*s)]
    )
    listed = []
    for a, b in found:
        most = max((taken.get(q, 0) for q in rules.slots(a, b)), default=0)
        left = slots_rule.places_left(wanted, unit, most)
        if left > 0:
            listed.append(
                {
                    "start": a.astimezone(tz).isoformat(),
                    "end": b.astimezone(tz).isoformat(),
                    "places_left": left,
                }
            )
    return {
        "permanence_id": permanence_id,
        "motif": motif,
        "timezone": spec.timezone,
        "start": lo.astimezone(tz).isoformat(),
        "end": hi.astimezone(tz).isoformat(),
        "slots": listed,
    }


# -- writes ----------------------------------------------------------------------------------
def create_permanence(
    place_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller = ANONYMOUS,
    now: datetime | None = None,
) -> dict:
    """A permanence of a place, by one of its managers or a territory admin: its agent's
    resource, then its room held for every opening over the horizon, or nothing (409
    ``room_unavailable`` naming the first clashing opening). Idempotent by key: a retry
    finishes what a crashed try began, or is refused the same way."""
    _check_manage(who, place_id, "create a permanence")
    data = parse(PermanenceIn, payload)
    if not projections.knows_place(place_id):
        raise UnknownPlace(f"no place {place_id}", id=place_id)
    room = _room(data.room_resource_id, place_id)
    digest = fingerprint({"place_id": place_id, **data.model_dump(mode="json")})

    def build() -> Permanence:
        return Permanence(
            id=ObjectId(),
            place_id=place_id,
            resource_id=str(ObjectId()),
            spec=data.model_dump(mode="json"),
            status=OPENING,
            idempotency_key=key,
            fingerprint=digest,
        )

    permanence = insert_once(Permanence, key, digest, build, "permanence")
    if permanence.status == REFUSED:
        raise RoomUnavailable("the room is already booked for an opening", **permanence.refusal)
    if permanence.status != OPENING:
        return shown(permanence)
    _agent_resource(permanence, data, digest)
    now = now or datetime.now(UTC)
    until = now + timedelta(days=ROOM_HORIZON_DAYS)
    if room is not None:
        clash = _hold_room(permanence, data, room, now, until)
        if clash is not None:
            _release_room(permanence, room.id, after=now)
            refusal = {"room_resource_id": str(room.id), "start": clash.isoformat()}
            Permanence.objects(id=permanence.id, status=OPENING).update_one(
                set__status=REFUSED, set__refusal=refusal
            )
            raise RoomUnavailable("the room is already booked for an opening", **refusal)
    created = {
        "permanence_id": str(permanence.id),
        "place_id": place_id,
        "resource_id": permanence.resource_id,
        "agent_name": data.agent_name,
        "organisation": data.organisation,
        "rule": data.rule,
        "room_resource_id": data.room_resource_id,
        "motifs": [m.model_dump(mode="json") for m in data.motifs],
    }
    Permanence.objects(id=permanence.id, status=OPENING).update_one(
        set__status=OPEN,
        set__room_held_until=until if room is not None else None,
        **Permanence.staging(events.event("permanence_created", created)),
    )
    events.flush()
    return shown(find(str(permanence.id)))


def update_permanence(
    permanence_id: str, payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS
) -> dict:
    """Change the agent's name, organisation, closures or motifs (a manager of the place or a
    territory admin). The motifs' seat unit must stay (``seat_unit_changed``); nothing
    changed: nothing written, no event."""
    permanence = find(permanence_id)
    _check_manage(who, permanence.place_id, "change a permanence")
    if permanence.status != OPEN:
        raise PermanenceClosed("this permanence is closed", id=permanence_id)
    patch = parse(PermanencePatch, payload).model_dump(mode="json", exclude_unset=True)
    before = spec_of(permanence)
    after = PermanenceIn.model_validate({**before.model_dump(mode="json"), **patch})
    unit = _unit(before)
    if _unit(after) != unit:
        raise SeatUnitChanged(
            "the motifs' capacities must keep their least common multiple",
            field="motifs",
            seat_unit=unit,
        )
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    changed = sorted(k for k in new if new[k] != old[k])
    if not changed:
        return shown(permanence)
    permanence.spec = new
    event = events.event(
        "permanence_updated",
        {
            "permanence_id": permanence_id,
            "place_id": permanence.place_id,
            "changed": changed,
            "permanence": shown(permanence),
        },
    )
    Permanence.objects(id=permanence.id).update_one(set__spec=new, **Permanence.staging(event))
    # The agent's resource follows the closures (create_booking checks them too).
    Resource.objects(id=permanence.resource_id).update_one(
        set__name=_agent_label(after), set__settings=_agent_settings(after)
    )
    events.flush()
    return shown(find(permanence_id))


def close_permanence(
    permanence_id: str,
    key: str,
    events: EventStager,
    who: Caller = ANONYMOUS,
    now: datetime | None = None,
) -> dict:
    """No more appointments; the room's future holds are freed. The appointments already
    booked stay (the place cancels those it must: each person then gets the email).
    Closing a closed permanence answers it again (and frees the holds again)."""
    permanence = find(permanence_id)
    _check_manage(who, permanence.place_id, "close a permanence")
    now = now or datetime.now(UTC)
    spec = spec_of(permanence)
    room_id = spec.room_resource_id
    if permanence.status == CLOSED:
        if room_id:
            _release_room(permanence, room_id, after=now)
        return shown(permanence)
    if permanence.status != OPEN:
        raise PermanenceClosed("this permanence is closed", id=permanence_id)
    released = _release_room(permanence, room_id, after=now) if room_id else 0
    event = events.event(
        "permanence_closed",
        {
            "permanence_id": permanence_id,
            "place_id": permanence.place_id,
            "room_holds_released": released,
        },
    )
    Permanence.objects(id=permanence.id, status=OPEN).update_one(
        set__status=CLOSED, **Permanence.staging(event)
    )
    events.flush()
    return shown(find(permanence_id))


def book_appointment(
    permanence_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller = ANONYMOUS,
    now: datetime | None = None,
) -> dict:
    """An appointment for one of the permanence's slots: the motif offered in that mode, a
    slot of the motif within its delays; then an ordinary booking of the agent's time
    taking the motif's seats (``commands.create_booking``: who may book, idempotency,
    capacity and the confirmation email are booking's own)."""
    permanence = find(permanence_id)
    if permanence.status != OPEN:
        raise PermanenceClosed("this permanence is closed", id=permanence_id)
    data = parse(AppointmentIn, payload)
    spec = spec_of(permanence)
    motif = motif_of(spec, data.motif)
    if data.mode not in motif.modes:
        raise ModeNotOffered(
            f"{motif.code} is not offered {data.mode.value}",
            field="mode",
            motif=motif.code,
            mode=data.mode.value,
        )
    if data.mode == AppointmentMode.phone and data.phone is None:
        raise PhoneRequired("the agent needs a phone number to call", field="phone")
    now = now or datetime.now(UTC)
    start = data.start.astimezone(UTC)
    slots_rule.check_delays(motif, start, now)
    tz = _zone(spec)
    day = slots_rule.motif_slots(
        spec.rule,
        tz,
        spec.closures,
        motif,
        start - timedelta(days=1),
        start + timedelta(days=1),
        now,
    )
    if not any(a == start for a, _ in day):
        raise NotASlot(
            "no appointment of this motif starts then",
            field="start",
            motif=motif.code,
            start=data.start.isoformat(),
        )
    end = start + timedelta(minutes=motif.duration_minutes)
    unit = _unit(spec)
    booking = {
        "resource_id": permanence.resource_id,
        "start": data.start.isoformat(),
        "end": end.astimezone(data.start.tzinfo).isoformat(),
        "seats": slots_rule.seats_of(motif, unit),
        "language": data.language,
        **{k: getattr(data, k) for k in ("name", "email", "phone") if getattr(data, k)},
    }
    if data.name is None and data.email is None and who.email:
        # A phone alone is the member's own number to be called at, not someone else's.
        booking["email"] = who.email
    appointment = {
        "permanence_id": permanence_id,
        "agent_name": spec.agent_name,
        "organisation": spec.organisation,
        "motif": motif.code,
        "motif_label": motif.label,
        "mode": data.mode.value,
        "text_after": motif.text_after,
    }
    return commands.create_booking(booking, key, events, now, who, appointment=appointment)


def extend_room_holds(now: datetime, events: EventStager | None = None) -> int:
    """Hold the rooms of open permanences up to ``ROOM_HORIZON_DAYS`` from ``now`` (a daily
    timer; holding an opening held already changes nothing). An opening whose room someone
    booked beyond the old horizon is left out (logged): the permanence keeps its other
    openings. Returns how many permanences moved on."""
    moved = 0
    until = now + timedelta(days=ROOM_HORIZON_DAYS)
    for permanence in Permanence.objects(status=OPEN):
        spec = spec_of(permanence)
        if not spec.room_resource_id:
            continue
        room = Resource.objects(id=spec.room_resource_id).first()
        held = permanence.room_held_until
        since = max(held.replace(tzinfo=UTC), now) if held else now
        if room is None or since >= until:
            continue
        _hold_room(permanence, spec, room, since, until, skip_clashes=True)
        Permanence.objects(id=permanence.id).update_one(set__room_held_until=until)
        moved += 1
    return moved


def _check_manage(who: Caller, place_id: str, action: str) -> None:
    """A permanence is its place's managers' and territory staff's (a coordinator sets up
    the CAF's or France Services' rounds across the network)."""
    require(who.manages_place(place_id) or is_territory_staff(who), who, action, "place", place_id)


# -- the agent's resource and the room's holds ----------------------------------------------
def _unit(spec: PermanenceIn) -> int:
    """The agent's seats (see the module's docstring)."""
    return seat_unit([m.capacity for m in spec.motifs])


def _zone(spec: PermanenceIn) -> ZoneInfo:
    return ZoneInfo(spec.timezone)


def _agent_label(spec: PermanenceIn) -> str:
    return f"{spec.organisation} — {spec.agent_name}"[:120]


def _agent_settings(spec: PermanenceIn) -> dict:
    settings = ResourceSettings(
        opening_hours=spec.rule, closures=spec.closures, timezone=spec.timezone
    )
    return settings.model_dump(mode="json", exclude_defaults=True)


def _agent_resource(permanence: Permanence, spec: PermanenceIn, digest: str) -> Resource:
    def build() -> Resource:
        return Resource(
            id=ObjectId(permanence.resource_id),
            place_id=permanence.place_id,
            name=_agent_label(spec),
            kind=ResourceKind.appointment_slot.value,
            seats=_unit(spec),
            settings=_agent_settings(spec),
            permanence_id=str(permanence.id),
            idempotency_key=f"permanence:{permanence.id}",
            fingerprint=digest,
        )

    return insert_once(Resource, f"permanence:{permanence.id}", digest, build, "resource")


def _room(room_id: str | None, place_id: str) -> Resource | None:
    if room_id is None:
        return None
    room = queries.find_resource(room_id)
    if room.place_id != place_id or room.permanence_id:
        raise RoomNotOfPlace(
            "the room must be a resource of the same place",
            field="room_resource_id",
            room_resource_id=room_id,
        )
    return room


def _hold_room(
    permanence: Permanence,
    spec: PermanenceIn,
    room: Resource,
    since: datetime,
    until: datetime,
    skip_clashes: bool = False,
) -> datetime | None:
    """Hold the whole room for each opening starting in [since, until) outside the agent's
    closures: one confirmed booking of the room per opening, keyed by the permanence and the
    opening's start. Returns the first clashing opening's start (None: all held)."""
    tz = _zone(spec)
    found = slots_rule.openings(spec.rule, tz, since, until)
    for start, end in slots_rule.outside_closures(found, spec.closures):
        if start < since:
            continue
        if not _hold_opening(permanence, spec, room, start, end) and not skip_clashes:
            return start.astimezone(tz)
        if skip_clashes:
            log.info("room %s taken at %s: permanence %s", room.id, start, permanence.id)
    return None


def _hold_opening(
    permanence: Permanence, spec: PermanenceIn, room: Resource, start: datetime, end: datetime
) -> bool:
    key = f"permanence:{permanence.id}:room:{start.isoformat()}"
    return room_holds.hold(
        room, start, end, key, _agent_label(spec), spec.timezone, permanence_id=str(permanence.id)
    )


def _release_room(permanence: Permanence, room_id, after: datetime) -> int:
    """Cancel the room's holds of this permanence that start after ``after``."""
    released = 0
    for hold in Booking.objects(permanence_id=str(permanence.id)):
        if hold.resource_id != str(room_id) or hold.motif:
            continue
        if hold.start.replace(tzinfo=UTC) <= after:
            continue
        released += room_holds.release(hold)
    return released
