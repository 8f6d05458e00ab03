"""A club's meetings (clubs service): a series on a rule (``POST``), the coming occurrences
with their room's state (``GET``), one occurrence moved, cancelled or given its agenda
(``PATCH``). Who may is the clubs service's to decide (the club's managers write; anyone
reads)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.clubs import MeetingOut, MeetingPatch, MeetingSeriesIn, MeetingSeriesOut

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(prefix="/clubs/{club_id}/meetings", tags=["clubs"])

NOT_FOUND = {404: {"description": "No such club or meeting (`not_found`)"}}
MANAGERS = {403: {"description": "Not one who runs the club (`forbidden`)"}}


@router.get("", response_model=list[MeetingOut], responses=NOT_FOUND)
def list_meetings(club_id: str, services: ServicesDep, include_past: bool = False) -> list[dict]:
    """The club's coming meetings (cancelled ones too), each with its room: ``requested``
    (no answer yet, or no room booking in this territory), ``reserved``, ``refused`` with its
    ``reason`` (``no_meeting_room``, ``room_taken``, ``allowance_exceeded``), ``released``."""
    return services.call("clubs", "list_meetings", club_id, include_past)


@router.post(
    "",
    status_code=201,
    response_model=MeetingSeriesOut,
    responses={**NOT_FOUND, **MANAGERS},
)
def create_meeting_series(
    club_id: str, series: MeetingSeriesIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Plan the club's meetings: ``{"freq": "monthly", "weekday": "TH", "nth": [1]}`` from
    9:00 to 12:00 is the first Thursday of the month, local time all year round. Each
    occurrence asks for the host place's meeting room (``room``: true)."""
    body = series.model_dump(mode="json", exclude_unset=True)
    return services.call("clubs", "create_meeting_series", club_id, body, key)


@router.patch(
    "/{occurrence_id}",
    response_model=MeetingOut,
    responses={
        **NOT_FOUND,
        **MANAGERS,
        409: {"description": "Cancelled or begun (`meeting_cancelled`, `meeting_started`)"},
    },
)
def update_meeting(
    club_id: str,
    occurrence_id: str,
    patch: MeetingPatch,
    services: ServicesDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Move one meeting (``start`` and ``end``), cancel it (``status: cancelled``) or write
    its agenda (``agenda``)."""
    body = patch.model_dump(mode="json", exclude_unset=True)
    return services.call("clubs", "update_meeting", club_id, occurrence_id, body, key)
