"""Booking's answers about a meeting's room (``room_reserved`` / ``room_refused`` /
``room_released``, contracts/booking.py), recorded on the occurrence.

An answer is kept only for the occurrence's current version (its ``sequence``: an answer to
a request a later move or cancellation replaced is ignored), once (``room_sequence``: one
answer per request, a duplicate is ignored). A refusal also stages ``meeting_room_refused``
in the same write, which notifications turns into an email to the president (or the acting
place's managers). Workshops' answers (``for_type: workshop``) go to the workshops' own
recorder (``record_any``).
"""

from __future__ import annotations

from typing import Any

from services.common.outbox import EventStager

from . import workshops
from .models import Club, Meeting
from .rules import meetings as rules


def record_any(event: dict[str, Any], events: EventStager) -> None:
    """A room answer, to the meeting or the workshop it is about."""
    if event["data"].get("for_type") == "workshop":
        workshops.record_room_answer(event)
    else:
        record(event, events)


def record(event: dict[str, Any], events: EventStager) -> bool:
    """Keep booking's answer on the meeting; True when it changed the meeting."""
    data = event["data"]
    if data["for_type"] != "meeting":
        return False
    state, details = rules.room_after_answer(event["type"], data)
    sequence = data.get("sequence", 0)
    meeting = Meeting.objects(id=data["for_id"]).first()
    if meeting is None or meeting.sequence != sequence:
        return False
    changes: dict[str, Any] = {
        "set__room_state": state,
        "set__room": details,
        "set__room_sequence": sequence,
    }
    if state == "refused":
        changes.update(Meeting.staging(events.event("meeting_room_refused", _told(meeting, data))))
    changed = Meeting.objects(
        id=meeting.id, sequence=sequence, room_sequence__lt=sequence
    ).update_one(**changes)
    if changed:
        events.flush(Meeting)
    return bool(changed)


def _told(meeting: Meeting, data: dict[str, Any]) -> dict[str, Any]:
    club = Club.objects(id=meeting.club_id).first()
    return {
        "occurrence_id": meeting.id,
        "club_id": meeting.club_id,
        "club_name": club.name if club else "",
        "place_id": meeting.place_id,
        "president_id": club.president_id if club else None,
        "title": meeting.title,
        "start": data["start"],
        "end": data["end"],
        "reason": data["reason"],
        "hours_per_month": data.get("hours_per_month"),
        "hours_used": data.get("hours_used"),
    }
