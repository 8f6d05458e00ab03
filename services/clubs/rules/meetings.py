"""What may happen to a meeting, and what booking's answers mean for its room. Pure."""

from __future__ import annotations

from datetime import datetime

from contracts.booking import StartInPast
from contracts.clubs import MeetingCancelled, MeetingStarted

ROOM_STATES = {"room_reserved": "reserved", "room_refused": "refused", "room_released": "released"}


def check_changeable(status: str, start: datetime, now: datetime, occurrence_id: str) -> None:
    """A meeting is moved or cancelled while it is scheduled and has not begun."""
    if status == "cancelled":
        raise MeetingCancelled("this meeting is cancelled", id=occurrence_id)
    if start <= now:
        raise MeetingStarted("this meeting has begun", start=start.isoformat())


def check_new_time(start: datetime, now: datetime) -> None:
    """A meeting is moved to a time to come (the error's words are the booking's)."""
    if start <= now:
        raise StartInPast("a meeting is moved to a time to come", field="start")


def room_after_answer(kind: str, data: dict) -> tuple[str, dict]:
    """The room's state and details once booking answered ``kind`` (``room_reserved`` …)."""
    details = {
        key: data.get(key)
        for key in ("reason", "booking_id", "resource_name", "hours_per_month", "hours_used")
        if data.get(key) is not None
    }
    return ROOM_STATES[kind], details


def initial_room_state(wanted: bool) -> str:
    """An occurrence that wants the room has asked for it (no answer yet: booking may be
    absent from the territory, then it stays so); one that does not has ``none``."""
    return "requested" if wanted else "none"
