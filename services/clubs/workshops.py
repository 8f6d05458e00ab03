"""Workshops and events: create, change, cancel (the organisers), the deadline's decision
(the timer), reads, and the room's answers (booking's ``room_*`` events).

Organisers: a manager of the place, or for a club's workshop whoever manages the club
(``membership.may_manage``), and territory staff. Every write is idempotent by key (create)
or by state (a conditional update from the state read: cancelling twice cancels once).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from contracts.clubs import CapacityBelowTaken, WorkshopClosed, WorkshopIn, WorkshopPatch
from contracts.errors import Conflict
from contracts.identity import Caller
from services.common.idempotency import insert_once
from services.common.identity import is_territory_staff, require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import rsvps
from .membership import club_or_404, may_manage
from .rules import workshops as rules
from .workshop_models import Rsvp, Workshop

SETTLE_BATCH = 100


def workshop_or_404(workshop_id: str) -> Workshop:
    return get_or_404(Workshop, workshop_id, "workshop")


def may_organise(place_id: str, club_id: str | None, who: Caller) -> bool:
    if who.anonymous:
        return False
    if is_territory_staff(who) or who.manages_place(place_id):
        return True
    return club_id is not None and may_manage(club_or_404(club_id), who)


def require_organiser(workshop: Workshop, who: Caller, action: str) -> None:
    require(
        may_organise(workshop.place_id, workshop.club_id, who),
        who,
        action,
        "workshop",
        str(workshop.id),
    )


def create_workshop(payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    data = parse(WorkshopIn, payload)
    if data.club_id:
        club_or_404(data.club_id)
    require(
        may_organise(data.place_id, data.club_id, who),
        who,
        "organise a workshop here",
        "place",
        data.place_id,
    )
    digest = fingerprint(data.model_dump(mode="json"))

    def build() -> Workshop:
        workshop = Workshop(
            id=ObjectId(),
            title=data.title,
            description=data.description,
            place_id=data.place_id,
            place_name=data.place_name,
            club_id=data.club_id,
            organiser_id=who.member_id,
            start=data.start,
            end=data.end,
            timezone=_zone_name(data.start),
            capacity=data.capacity,
            visibility=data.visibility,
            min_participants=data.min_participants,
            deadline=data.deadline,
            settle_at=data.deadline if data.min_participants else None,
            status=rules.initial_status(data.min_participants),
            idempotency_key=key,
            fingerprint=digest,
        )
        info = workshop.info()
        workshop.stage(
            events.event(
                "workshop_created",
                {
                    **info,
                    "capacity": data.capacity,
                    "visibility": data.visibility,
                    "min_participants": data.min_participants,
                    "deadline": workshop.local(data.deadline) if data.deadline else None,
                    "organiser_id": who.member_id,
                },
            )
        )
        workshop.stage(events.event("workshop_scheduled", info))  # the room, if booking runs
        return workshop

    workshop = insert_once(Workshop, key, digest, build, "workshop")
    events.flush(Workshop)
    return workshop.to_dict()


def _zone_name(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    return key or "Europe/Paris"


def get_workshop(workshop_id: str, who: Caller | None = None) -> dict:
    """The workshop, with ``may_organise``: whether the caller may organise it (so that a
    page offers the organiser's tools to the club's managers as well as the place's)."""
    workshop = workshop_or_404(workshop_id)
    organiser = who is not None and may_organise(workshop.place_id, workshop.club_id, who)
    return workshop.to_dict(waiting=_waiting(workshop_id), may_organise=organiser)


def _seated(workshop_id: str) -> list[str]:
    """The members with a seat, to be told of new times."""
    seated = Rsvp.objects(workshop_id=workshop_id, status=rsvps.CONFIRMED).only("member_id")
    return sorted(rsvp.member_id for rsvp in seated)


def _waiting(workshop_id: str) -> int:
    return Rsvp.objects(workshop_id=workshop_id, status=rsvps.WAITLISTED).count()


def list_workshops(place_id: str | None = None, club_id: str | None = None) -> list[dict]:
    query = Workshop.objects(place_id=place_id) if place_id else Workshop.objects
    if club_id:
        query = query.filter(club_id=club_id)
    return [w.to_dict() for w in query.exclude("outbox").order_by("start")]


def update_workshop(
    workshop_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
) -> dict:
    """Title, description, capacity or times; a capacity raised seats the waiting line, one
    lowered never below the seats taken (conditional on ``taken``). New times ask booking
    for the room again: ``workshop_scheduled`` with the next ``sequence`` (conditional on
    the one read, so two racing moves cannot both win)."""
    workshop = workshop_or_404(workshop_id)
    require_organiser(workshop, who, "change this workshop")
    if workshop.status == rules.CANCELLED:
        raise WorkshopClosed("cancelled", id=workshop_id, status=workshop.status)
    patch = parse(WorkshopPatch, payload).model_dump(exclude_unset=True, exclude_none=True)
    changed = sorted(k for k, v in patch.items() if _stored(getattr(workshop, k)) != _stored(v))
    if not changed:
        return get_workshop(workshop_id, who)
    after = {k: patch[k] for k in changed}
    moved = "start" in after or "end" in after
    if moved:
        now = now or datetime.now(UTC)
        if _stored(workshop.start) <= now:
            raise WorkshopClosed("started", id=workshop_id, status=workshop.status)
        rules.check_new_times(patch["start"], _stored(workshop.settle_at), now)
        after.update(start=_stored(patch["start"]), end=_stored(patch["end"]))
    capacity = after.get("capacity", workshop.capacity)
    info = workshop.info()
    if "title" in after:
        info["title"] = after["title"]
    staged = [events.event("workshop_updated", {**info, "changed": changed, "capacity": capacity})]
    updates = {f"set__{k}": v for k, v in after.items()}
    if moved:
        info.update(
            start=workshop.local(after["start"]),
            end=workshop.local(after["end"]),
            sequence=workshop.sequence + 1,
        )
        staged[0]["data"].update(
            start=info["start"],
            end=info["end"],
            sequence=info["sequence"],
            participants=_seated(workshop_id),
        )
        staged.append(events.event("workshop_scheduled", info))  # the room, moved
        updates.update(set__sequence=info["sequence"], set__room={"status": "requested"})
    filters = {"id": workshop.id, **_at_sequence(workshop.sequence)}
    if "capacity" in after:
        filters["taken__lte"] = capacity
    done = Workshop.objects(**filters).update_one(
        **updates, push_all__outbox=staged, set__outbox_pending=True
    )
    if not done:
        current = workshop_or_404(workshop_id)
        if current.taken > capacity:
            raise CapacityBelowTaken(
                "fewer seats than already taken", capacity=capacity, taken=current.taken
            )
        raise Conflict("changed meanwhile: read it again", id=workshop_id)
    if capacity > workshop.capacity:
        rsvps.promote(workshop.id, events)
    events.flush()
    return get_workshop(workshop_id, who)


def _at_sequence(sequence: int) -> dict:
    """The filter on a workshop's version (one written before versions had none: 0)."""
    return {"sequence__in": [0, None]} if not sequence else {"sequence": sequence}


def _stored(value):
    """A value as the database compares it: instants in UTC (stored naive, given aware)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value


def _cancel_event(workshop: Workshop, reason: str, events: EventStager) -> dict:
    live = Rsvp.objects(workshop_id=str(workshop.id), status__in=["confirmed", "waitlisted"])
    people = {"confirmed": [], "waitlisted": []}
    for rsvp in live.only("member_id", "status"):
        people[rsvp.status].append(rsvp.member_id)
    return events.event(
        "workshop_cancelled",
        {
            **workshop.info(),
            "reason": reason,
            "participants": people["confirmed"],
            "waitlisted": people["waitlisted"],
            "taken": workshop.taken,
            "min_participants": workshop.min_participants,
        },
    )


def cancel_workshop(workshop_id: str, key: str, events: EventStager, who: Caller) -> dict:
    """The organiser cancels: every participant and waiting member told, the room released
    (booking hears ``workshop_cancelled``). Cancelled already: answered again."""
    workshop = workshop_or_404(workshop_id)
    require_organiser(workshop, who, "cancel this workshop")
    if workshop.status in rules.OPEN:
        event = _cancel_event(workshop, rules.BY_ORGANISER, events)
        Workshop.objects(id=workshop.id, status=workshop.status).update_one(
            set__status=rules.CANCELLED,
            set__cancel_reason=rules.BY_ORGANISER,
            unset__settle_at=True,
            **Workshop.staging(event),
        )
        events.flush(Workshop)
    return get_workshop(workshop_id, who)


def settle_due(now: datetime, events: EventStager) -> int:
    """The deadline's decision for every workshop whose minimum waits on a deadline now
    past: confirmed when the seats taken reach the minimum, else cancelled
    (``minimum_not_reached``). Each decision is conditional on the status and on ``taken``
    still being on the side read, so an RSVP racing the timer cannot leave a wrong one."""
    settled = 0
    for workshop in Workshop.objects(settle_at__lte=now).exclude("outbox").limit(SETTLE_BATCH):
        outcome = rules.deadline_outcome(workshop.taken, workshop.min_participants)
        side = {
            "taken__gte" if outcome == rules.CONFIRMED else "taken__lt": workshop.min_participants
        }
        if outcome == rules.CONFIRMED:
            participants = [
                r.member_id
                for r in Rsvp.objects(workshop_id=str(workshop.id), status="confirmed").only(
                    "member_id"
                )
            ]
            event = events.event(
                "workshop_confirmed",
                {**workshop.info(), "participants": participants, "taken": workshop.taken},
            )
            updates = {}
        else:
            event = _cancel_event(workshop, rules.MINIMUM_NOT_REACHED, events)
            updates = {"set__cancel_reason": rules.MINIMUM_NOT_REACHED}
        settled += Workshop.objects(id=workshop.id, status=rules.SCHEDULED, **side).update_one(
            set__status=outcome, unset__settle_at=True, **updates, **Workshop.staging(event)
        )
    if settled:
        events.flush(Workshop)
    return settled


ROOM_STATUS = {"room_reserved": "reserved", "room_refused": "refused", "room_released": "released"}


def record_room_answer(event: dict) -> None:
    """Booking's answer about the room of one of our workshops (the shared protocol), kept
    only for the workshop's current times (its ``sequence``: an answer to a request a later
    move replaced is ignored)."""
    data = event["data"]
    if data.get("for_type") != "workshop" or not ObjectId.is_valid(data.get("for_id") or ""):
        return
    room = {
        "status": ROOM_STATUS[event["type"]],
        "booking_id": data.get("booking_id"),
        "reason": data.get("reason"),
    }
    sequence = int(data.get("sequence") or 0)
    Workshop.objects(id=ObjectId(data["for_id"]), **_at_sequence(sequence)).update_one(
        set__room=room
    )
