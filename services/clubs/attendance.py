"""After a workshop: the organiser's list of participants (JSON, CSV) and the attendance
they take, which booking counts in the funders' figures (``workshop_attendance_taken``)."""

from __future__ import annotations

from contracts.clubs import AttendanceIn, AttendanceTooEarly, WorkshopClosed
from contracts.identity import Caller
from services.common.clock import utc_now
from services.common.outbox import EventStager
from services.common.validation import parse

from .rsvps import CONFIRMED, WAITLISTED, with_position
from .rules import workshops as rules
from .workshop_models import Rsvp, Workshop
from .workshops import require_organiser, workshop_or_404


def list_rsvps(workshop_id: str, who: Caller) -> list[dict]:
    """Every live answer (confirmed first, then the line in order), with names and addresses:
    the organisers only."""
    workshop = workshop_or_404(workshop_id)
    require_organiser(workshop, who, "see who answered")
    live = Rsvp.objects(workshop_id=workshop_id, status__in=[CONFIRMED, WAITLISTED])
    order = {CONFIRMED: 0, WAITLISTED: 1}
    answers = sorted(
        live.exclude("outbox"), key=lambda r: (order[r.status], r.created_at, str(r.id))
    )
    return [r.to_dict() for r in answers]


def my_rsvp(workshop_id: str, who: Caller) -> dict | None:
    """The caller's answer (the live one, else their last), None when they never answered."""
    if who.anonymous:
        return None
    found = (
        Rsvp.objects(workshop_id=workshop_id, member_id=who.member_id)
        .exclude("outbox")
        .order_by("-created_at")
        .first()
    )
    return with_position(found) if found else None


def participants_csv(workshop_id: str, who: Caller) -> str:
    return rules.participants_csv(list_rsvps(workshop_id, who))


def take_attendance(
    workshop_id: str, payload: dict, key: str, events: EventStager, who: Caller
) -> dict:
    """``present``: the member ids who came; every other confirmed participant was absent.
    Taken once the workshop has started; taken again, it replaces the last (the figures
    count the last one: booking keeps it by workshop id)."""
    workshop = workshop_or_404(workshop_id)
    require_organiser(workshop, who, "take attendance")
    if workshop.status == rules.CANCELLED:
        raise WorkshopClosed("cancelled", id=workshop_id, status=workshop.status)
    if utc_now() < workshop.start:
        raise AttendanceTooEarly(
            "attendance is taken once it has started",
            id=workshop_id,
            start=workshop.start.isoformat(),
        )
    present = set(parse(AttendanceIn, payload).present)
    confirmed = list(Rsvp.objects(workshop_id=workshop_id, status=CONFIRMED).only("member_id"))
    for rsvp in confirmed:
        Rsvp.objects(id=rsvp.id).update_one(set__attended=rsvp.member_id in present)
    counts = rules.attendance_counts(r.member_id in present for r in confirmed)
    event = events.event("workshop_attendance_taken", {**workshop.info(), **counts})
    Workshop.objects(id=workshop.id).update_one(
        set__attendance_taken_at=utc_now(),
        set__present=counts["present"],
        **Workshop.staging(event),
    )
    events.flush(Workshop)
    return {"workshop_id": workshop_id, **counts}
