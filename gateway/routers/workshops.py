"""Workshops and events with RSVP (clubs service: services/clubs/workshops.py, rsvps.py,
attendance.py, agenda.py), under ``/api/events``, and the agenda (``/api/agenda``,
``/api/agenda.ics``). The clubs service decides who may do what from the caller (the RPC
context): organisers are the place's managers, or the club's managers for a club's workshop,
and territory staff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from contracts.clubs import (
    AgendaItem,
    AttendanceIn,
    RsvpOut,
    WorkshopIn,
    WorkshopOut,
    WorkshopPatch,
)

from .. import i18n
from ..agenda_calendar import agenda_feed
from ..deps import IdempotencyKey, Services, ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable

router = APIRouter(tags=["events"])

NOT_FOUND = {404: {"description": "No such workshop or event"}}
ORGANISERS = {403: {"description": "Not one of its organisers (`forbidden`)"}, **NOT_FOUND}
CLOSED = {409: {"description": "Cancelled or started (`workshop_closed`)"}}


def _place_name(services: Services, place_id: str) -> str | None:
    """The directory's name of the place, a label for emails and pages; None when the
    directory cannot say now (the workshop is made all the same)."""
    try:
        return services.call("directory", "get_place", place_id).get("name")
    except (ServiceUnavailable, RemoteError):
        return None


@router.get("/events", response_model=list[WorkshopOut])
def list_events(
    services: ServicesDep,
    place_id: Annotated[str | None, Query(max_length=64)] = None,
    club_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """Workshops and events, in order of start; a place's or a club's."""
    return services.call("clubs", "list_workshops", place_id, club_id)


@router.post("/events", status_code=201, response_model=WorkshopOut, responses=ORGANISERS)
def create_event(body: WorkshopIn, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """A workshop or event (times without an offset are the place's local time, Europe/Paris),
    by a manager of the place, the club's managers for a club's, or territory staff. With a
    ``min_participants``, its ``deadline`` decides: confirmed or cancelled automatically.
    The host place's meeting room is asked for (booking answers when deployed)."""
    payload = body.model_dump(mode="json")
    payload["place_name"] = _place_name(services, body.place_id) or body.place_name
    return services.call("clubs", "create_workshop", payload, key)


@router.get("/events/{event_id}", response_model=WorkshopOut, responses=NOT_FOUND)
def get_event(event_id: str, services: ServicesDep) -> dict[str, Any]:
    """A workshop or event: seats taken, people waiting, its room, its status."""
    return services.call("clubs", "get_workshop", event_id)


@router.patch(
    "/events/{event_id}",
    response_model=WorkshopOut,
    responses={
        **ORGANISERS,
        **CLOSED,
        409: {
            "description": "Cancelled or started (`workshop_closed`), or fewer seats than "
            "taken (`capacity_below_taken`)"
        },
    },
)
def update_event(
    event_id: str, body: WorkshopPatch, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Its title, description, capacity or times (the organisers). More seats go to the
    waiting line at once, in order; new times (``start`` and ``end`` together) ask for the
    room again."""
    payload = body.model_dump(mode="json", exclude_unset=True)
    return services.call("clubs", "update_workshop", event_id, payload, key)


@router.post("/events/{event_id}/cancel", response_model=WorkshopOut, responses=ORGANISERS)
def cancel_event(event_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """The organisers cancel it: every participant and everyone waiting is told, the room
    is released. Cancelled already: answered again."""
    return services.call("clubs", "cancel_workshop", event_id, key)


@router.post(
    "/events/{event_id}/rsvps",
    status_code=201,
    response_model=RsvpOut,
    responses={
        401: {"description": "Not signed in"},
        403: {"description": "Members only (`workshop_members_only`)"},
        **NOT_FOUND,
        **CLOSED,
    },
)
def rsvp(event_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """I come: a seat (``confirmed``) while there is one, else ``waitlisted`` with my
    ``position``; a seat freed goes to the first in line automatically. Answering again
    answers my RSVP."""
    return services.call("clubs", "rsvp", event_id, key)


@router.get("/events/{event_id}/rsvps/mine", response_model=RsvpOut | None)
def my_rsvp(event_id: str, services: ServicesDep) -> dict[str, Any] | None:
    """My answer (null when I never answered or am not signed in)."""
    return services.call("clubs", "my_rsvp", event_id)


@router.delete(
    "/events/{event_id}/rsvps/mine",
    response_model=RsvpOut,
    responses={401: {"description": "Not signed in"}, **NOT_FOUND, **CLOSED},
)
def cancel_my_rsvp(event_id: str, services: ServicesDep, key: IdempotencyKey) -> dict[str, Any]:
    """I no longer come (before it starts): my seat goes to the first in line."""
    return services.call("clubs", "cancel_rsvp", event_id, key)


@router.get("/events/{event_id}/rsvps", response_model=list[RsvpOut], responses=ORGANISERS)
def list_rsvps(event_id: str, services: ServicesDep) -> list[dict[str, Any]]:
    """Who comes and who waits, in order, with names and addresses: the organisers."""
    return services.call("clubs", "list_rsvps", event_id)


@router.put(
    "/events/{event_id}/attendance",
    responses={
        **ORGANISERS,
        409: {"description": "Not started yet (`attendance_too_early`), or cancelled"},
    },
)
def take_attendance(
    event_id: str, body: AttendanceIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """After it started, the organisers say who came (``present``: member ids); every other
    participant was absent. Counted in the funders' figures; taken again, it replaces."""
    return services.call("clubs", "take_attendance", event_id, body.model_dump(), key)


@router.get(
    "/events/{event_id}/participants.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **ORGANISERS},
)
def participants_csv(event_id: str, services: ServicesDep) -> Response:
    """The participants, then the waiting line, as CSV (``;``): the organisers."""
    text = services.call("clubs", "participants_csv", event_id)
    headers = {
        "Content-Disposition": f'attachment; filename="participants-{event_id}.csv"',
        "Cache-Control": "private, no-store",
    }
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/agenda", response_model=list[AgendaItem])
def agenda(
    services: ServicesDep,
    place: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[str | None, Query(max_length=40)] = None,
    end: Annotated[str | None, Query(max_length=40)] = None,
) -> list[dict[str, Any]]:
    """The agenda of the territory, or of a place (``?place=``): workshops and events (and
    the clubs' meetings when they plug in) from ``start`` (default now) for 90 days."""
    return services.call("clubs", "agenda", place, start, end)


@router.get(
    "/agenda.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}},
)
def agenda_ics(
    request: Request,
    services: ServicesDep,
    place: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The same agenda as a calendar subscription, in the reader's language."""
    items = services.call("clubs", "agenda", place, None, None)
    where = _place_name(services, place) if place else None
    body = agenda_feed(
        items, where, i18n.api_language(request), request.app.state.settings.public_url
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
