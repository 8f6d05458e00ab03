"""RSVPs to a workshop: a seat while one is left, else the waiting line, and the first in
line promoted automatically whenever a seat frees up.

The workshop document is the seat counter. Every change of ``taken`` is one conditional
atomic update by ``_id``: a seat is taken only while ``taken < capacity`` (the capacity read
is part of the filter, so a capacity changed meanwhile makes it miss and re-read), and an
RSVP changes status only from the status it was read in. So under concurrent answers and
cancellations no workshop is ever overbooked, a freed seat goes to exactly one member, and
the one it goes to is the first still waiting. A promotion that loses its RSVP to a
concurrent cancellation gives the seat back and tries the next in line.

Everyone joins the line first and ``promote`` seats the line in order: a newcomer seated at
once is simply the first of an empty line, so nobody overtakes someone already waiting.
"""

from __future__ import annotations

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from contracts.clubs import MembersOnly, WorkshopClosed
from contracts.errors import AuthenticationRequired, IdempotencyMismatch, NotFound
from contracts.identity import Caller
from services.common.clock import utc_now
from services.common.outbox import EventStager
from services.common.validation import fingerprint

from .membership import club_or_404, is_member, may_manage
from .rules import workshops as rules
from .workshop_models import Rsvp, Workshop

WAITLISTED, CONFIRMED, CANCELLED = "waitlisted", "confirmed", "cancelled"
# A promotion round never loops for ever, whatever the races (each turn either seats
# someone, or sees a seat or an RSVP taken by a concurrent writer, who made progress).
MAX_TURNS = 1000


def take_seat(workshop_id: ObjectId, capacity: int) -> bool:
    """One seat of an open workshop, while ``taken < capacity`` (the capacity read)."""
    taken = Workshop._get_collection().update_one(
        {
            "_id": workshop_id,
            "capacity": capacity,
            "taken": {"$lt": capacity},
            "status": {"$in": list(rules.OPEN)},
        },
        {"$inc": {"taken": 1}},
    )
    return taken.modified_count == 1


def give_back_seat(workshop_id: ObjectId) -> None:
    Workshop._get_collection().update_one(
        {"_id": workshop_id, "taken": {"$gt": 0}}, {"$inc": {"taken": -1}}
    )


def _first_waiting(workshop_id: str) -> Rsvp | None:
    return (
        Rsvp.objects(workshop_id=workshop_id, status=WAITLISTED)
        .exclude("outbox")
        .order_by("created_at", "id")
        .first()
    )


def rsvp_data(workshop: Workshop, rsvp: Rsvp, **more) -> dict:
    """What every ``rsvp_*`` event says (``contracts.clubs.RsvpEvent``)."""
    return {
        **workshop.info(),
        "rsvp_id": str(rsvp.id),
        "member_id": rsvp.member_id,
        "language": rsvp.language or "fr",
        **more,
    }


def promote(workshop_id: ObjectId, events: EventStager) -> int:
    """Seat the waiting line in order while seats are left; how many were seated. A member
    told they were waiting hears ``rsvp_promoted``; one seated before being told,
    ``rsvp_confirmed``."""
    seated = 0
    for _ in range(MAX_TURNS):
        workshop = Workshop.objects(id=workshop_id).exclude("outbox").first()
        if workshop is None or workshop.status not in rules.OPEN:
            break
        if workshop.taken >= workshop.capacity:
            break
        first = _first_waiting(str(workshop_id))
        if first is None:
            break
        if not take_seat(workshop_id, workshop.capacity):
            continue  # taken by someone else, or the capacity changed: read again
        told = bool(first.told_waitlisted)
        data = rsvp_data(workshop, first)
        if told:
            event = events.event("rsvp_promoted", data)
        else:
            event = events.event("rsvp_confirmed", data)
        moved = Rsvp.objects(id=first.id, status=WAITLISTED, told_waitlisted=told).update_one(
            set__status=CONFIRMED, **Rsvp.staging(event)
        )
        if not moved:  # cancelled (or told) meanwhile: the seat goes back, next turn
            give_back_seat(workshop_id)
            continue
        seated += 1
    return seated


def _workshop(workshop_id: str) -> Workshop:
    from .workshops import workshop_or_404  # one lookup for the service

    return workshop_or_404(workshop_id)


def require_member(who: Caller, action: str) -> None:
    """A member answers for themselves: anonymous, and the operator (no member behind the
    token), are refused 401."""
    if who.member_id is None:
        raise AuthenticationRequired(f"sign in as a member to {action}", action=action)


def _check_may_answer(workshop: Workshop, who: Caller) -> None:
    require_member(who, "answer a workshop")
    if not rules.open_to_answers(workshop.status, workshop.start, utc_now()):
        raise WorkshopClosed(
            "this workshop takes no answer any more", id=str(workshop.id), status=workshop.status
        )
    if workshop.visibility == "members":
        club = club_or_404(workshop.club_id)
        if not (is_member(club, who.member_id) or may_manage(club, who)):
            raise MembersOnly("for the club's members", id=str(workshop.id))


def answer(workshop_id: str, key: str, events: EventStager, who: Caller) -> dict:
    """The caller's RSVP: confirmed, or waitlisted with their ``position``. Answering again
    (another key) while their RSVP is live answers that RSVP."""
    workshop = _workshop(workshop_id)
    _check_may_answer(workshop, who)
    digest = fingerprint({"workshop_id": workshop_id, "member_id": who.member_id})
    active = f"{workshop_id}:{who.member_id}"
    found = _by_key(key, digest) or Rsvp.objects(active=active).exclude("outbox").first()
    if found is None:
        rsvp = Rsvp(
            id=ObjectId(),
            workshop_id=workshop_id,
            member_id=who.member_id,
            name=who.name,
            email=who.email,
            language=who.language,
            status=WAITLISTED,
            active=active,
            idempotency_key=key,
            fingerprint=digest,
        )
        try:
            rsvp.save(force_insert=True)
        except NotUniqueError:  # the same key, or another live answer, raced us
            found = _by_key(key, digest) or Rsvp.objects(active=active).first()
            if found is None:
                raise
        else:
            promote(workshop.id, events)
            _tell_waiting(rsvp.id, workshop, events)
            found = Rsvp.objects(id=rsvp.id).exclude("outbox").first()
        events.flush()
    return with_position(found)


def _by_key(key: str, digest: str) -> Rsvp | None:
    found = Rsvp.objects(idempotency_key=key).exclude("outbox").first()
    if found is not None and found.fingerprint != digest:
        raise IdempotencyMismatch("this Idempotency-Key was used for another rsvp", what="rsvp")
    return found


def _tell_waiting(rsvp_id: ObjectId, workshop: Workshop, events: EventStager) -> None:
    """Still in line after the promotion round: ``rsvp_waitlisted``, with the position,
    once; a promoter that read it untold then misses and goes round again."""
    rsvp = Rsvp.objects(id=rsvp_id).exclude("outbox").first()
    if rsvp.status != WAITLISTED or rsvp.told_waitlisted:
        return
    where = waiting_position(rsvp)
    event = events.event("rsvp_waitlisted", rsvp_data(workshop, rsvp, position=where))
    Rsvp.objects(id=rsvp_id, status=WAITLISTED, told_waitlisted=False).update_one(
        set__told_waitlisted=True, **Rsvp.staging(event)
    )


def waiting_position(rsvp: Rsvp) -> int:
    line = Rsvp.objects(workshop_id=rsvp.workshop_id, status=WAITLISTED).only("created_at", "id")
    return rules.position(
        ((r.created_at, str(r.id)) for r in line), (rsvp.created_at, str(rsvp.id))
    )


def with_position(rsvp: Rsvp) -> dict:
    out = rsvp.to_dict()
    out["position"] = waiting_position(rsvp) if rsvp.status == WAITLISTED else None
    return out


def cancel(workshop_id: str, key: str, events: EventStager, who: Caller) -> dict:
    """The caller cancels their own RSVP (before the start): a confirmed seat goes to the
    first in line. Cancelled already: answered again. An RSVP promoted while being
    cancelled is read again and cancelled as confirmed (its seat given back)."""
    workshop = _workshop(workshop_id)
    require_member(who, "cancel an answer")
    for _ in range(MAX_TURNS):
        rsvp = Rsvp.objects(active=f"{workshop_id}:{who.member_id}").exclude("outbox").first()
        if rsvp is None:
            return with_position(_last_answer(workshop_id, who))
        if not rules.open_to_answers(workshop.status, workshop.start, utc_now()):
            raise WorkshopClosed("too late to cancel", id=workshop_id, status=workshop.status)
        event = events.event("rsvp_cancelled", rsvp_data(workshop, rsvp))
        moved = Rsvp.objects(id=rsvp.id, status=rsvp.status).update_one(
            set__status=CANCELLED,
            set__cancelled_at=utc_now(),
            unset__active=True,
            **Rsvp.staging(event),
        )
        if moved:
            if rsvp.status == CONFIRMED:
                give_back_seat(workshop.id)
                promote(workshop.id, events)
            break
    events.flush()
    return with_position(_last_answer(workshop_id, who))


def _last_answer(workshop_id: str, who: Caller) -> Rsvp:
    last = (
        Rsvp.objects(workshop_id=workshop_id, member_id=who.member_id)
        .exclude("outbox")
        .order_by("-created_at")
        .first()
    )
    if last is None:
        raise NotFound("no answer of yours to this workshop", what="rsvp", id=workshop_id)
    return last
