"""Workshops and events on the web (clubs service): the agenda of the territory (``/agenda``)
and of a place (``/places/{id}/agenda``), an event's page (``/evenements/{id}``) where a member
says they come or no longer come, and the organiser's attendance page
(``/evenements/{id}/presences``). The clubs service decides who may do what; the pages only
offer what makes sense. Forms POST (CSRF, a key) then 303 back with a message."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import remote_error

from .. import i18n
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .render import page_account, render, set_flash
from .site import capabilities, domain_code

router = APIRouter(include_in_schema=False)

AGENDA_PATH = "/agenda"
EVENT_PATH = "/evenements/{event_id}"
ANSWER_PATH = "/evenements/repondre"
ATTENDANCE_PATH = "/evenements/presences"
CANCEL_EVENT_PATH = "/evenements/annuler"
FORM_PATHS = (ANSWER_PATH, ATTENDANCE_PATH, CANCEL_EVENT_PATH)
AWAY = (
    i18n.N_("Service momentanément indisponible"),
    i18n.N_("Les ateliers ne répondent pas pour le moment. Réessayez dans un moment."),
)


def services_for(request: Request, identity: Any) -> Services:
    return Services(request.app.state.rpc, request.state.correlation_id, identity.caller)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(str(value))


def _away(request: Request) -> tuple[str, str]:
    language = i18n.page_language(request)
    return i18n.gettext(language, AWAY[0]), i18n.gettext(language, AWAY[1])


def agenda_page(request: Request, services: Services, place_id: str | None) -> Response:
    place, items, alert, status = None, [], None, 200
    try:
        items = services.call("clubs", "agenda", place_id, None, None)
    except ServiceUnavailable:
        alert, status = _away(request), 503
    if place_id:
        try:
            place = services.call("directory", "get_place", place_id)
        except (ServiceUnavailable, RemoteError):
            place = None
    days: dict[Any, list[dict]] = defaultdict(list)
    for item in items:
        start = _at(item["start"])
        days[i18n.local(start).date()].append(
            {**item, "start_at": start, "end_at": _at(item["end"])}
        )
    feed = "/api/agenda.ics" + (f"?place={place_id}" if place_id else "")
    context = {
        "services": capabilities(request),
        "days": sorted(days.items()),
        "place": place,
        "place_id": place_id,
        "feed": feed,
        "alert": alert,
    }
    return render(request, "agenda.html", context, status=status)


@router.get(AGENDA_PATH)
def territory_agenda(request: Request, services: ServicesDep) -> Response:
    return agenda_page(request, services, None)


@router.get("/places/{place_id}/agenda")
def place_agenda(request: Request, place_id: str, services: ServicesDep) -> Response:
    return agenda_page(request, services, place_id)


def event_page(
    request: Request, services: Services, event_id: str, alert=None, status: int = 200
) -> Response:
    try:
        event = services.call("clubs", "get_workshop", event_id)
        mine = services.call("clubs", "my_rsvp", event_id)
    except ServiceUnavailable:
        return render(request, "event.html", {"event": None, "alert": _away(request)}, status=503)
    except RemoteError:
        return render(request, "not_found.html", {}, status=404)
    caller = services.caller
    # The organiser's tools are offered to whom the clubs service says may organise it (the
    # place's managers, the club's managers for a club's workshop, territory staff); it
    # checks again on every action.
    organiser = not caller.anonymous and bool(event.get("may_organise"))
    now = datetime.now(_at(event["start"]).tzinfo)
    context = {
        "event": event,
        "start_at": _at(event["start"]),
        "end_at": _at(event["end"]),
        "mine": mine,
        "open": event["status"] != "cancelled" and _at(event["start"]) > now,
        "started": _at(event["start"]) <= now,
        "organiser": organiser,
        "key": forms.new_key(),
        "alert": alert,
    }
    return render(request, "event.html", context, status=status)


@router.get(EVENT_PATH)
def event(request: Request, event_id: str, services: ServicesDep) -> Response:
    return event_page(request, services, event_id)


async def _act(request: Request, act, back) -> Response:
    """A form of these pages: signed in (CSRF checked), ``act(services, fields, key)`` calls
    clubs and names the message to show; then 303 to ``back(fields)``, or the event's page
    with the refusal in words."""
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    event_id = fields.get("event_id", "")
    if identity.member is None and not identity.caller.operator:
        return to_sign_in(EVENT_PATH.format(event_id=event_id))
    services = services_for(request, identity)
    language = i18n.page_language(request)
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    try:
        done = act(services, fields, key)
    except ServiceUnavailable:
        return event_page(request, services, event_id, _away(request), status=503)
    except RemoteError as exc:
        code, params = domain_code(exc)
        found = remote_error(exc.exc_args)[0]
        status = found.status if found else 500
        return event_page(request, services, event_id, error_text(code, params, language), status)
    return set_flash(RedirectResponse(back(fields), 303), done)


def _event_url(fields: dict[str, str]) -> str:
    return EVENT_PATH.format(event_id=fields.get("event_id", ""))


@router.post(ANSWER_PATH)
async def answer(request: Request) -> Response:
    """« Je viens » or « Je ne viens plus »."""

    def act(services: Services, fields: dict[str, str], key: str) -> str:
        event_id = fields.get("event_id", "")
        if fields.get("action") == "cancel":
            services.call("clubs", "cancel_rsvp", event_id, key)
            return "rsvp_cancelled"
        mine = services.call("clubs", "rsvp", event_id, key)
        return "rsvp_confirmed" if mine["status"] == "confirmed" else "rsvp_waitlisted"

    return await _act(request, act, _event_url)


@router.post(CANCEL_EVENT_PATH)
async def cancel_event(request: Request) -> Response:
    """The organiser cancels the event (everyone is told by email)."""

    def act(services: Services, fields: dict[str, str], key: str) -> str:
        services.call("clubs", "cancel_workshop", fields.get("event_id", ""), key)
        return "workshop_cancelled"

    return await _act(request, act, _event_url)


@router.get("/evenements/{event_id}/presences")
def attendance_page(request: Request, event_id: str, services: ServicesDep) -> Response:
    """The organiser ticks who came; the participants come from the service (names)."""
    path = f"/evenements/{event_id}/presences"
    if page_account(request) is None:
        return to_sign_in(path)
    try:
        event = services.call("clubs", "get_workshop", event_id)
        rsvps = services.call("clubs", "list_rsvps", event_id)
    except ServiceUnavailable:
        return render(
            request, "attendance.html", {"event": None, "alert": _away(request)}, status=503
        )
    except RemoteError as exc:
        code, params = domain_code(exc)
        found = remote_error(exc.exc_args)[0]
        status = found.status if found else 500
        language = i18n.page_language(request)
        context = {"event": None, "alert": error_text(code, params, language)}
        return render(request, "attendance.html", context, status=status)
    context = {
        "event": event,
        "start_at": _at(event["start"]),
        "participants": [r for r in rsvps if r["status"] == "confirmed"],
        "key": forms.new_key(),
    }
    return render(request, "attendance.html", context)


@router.post(ATTENDANCE_PATH)
async def save_attendance(request: Request) -> Response:
    def act(services: Services, fields: dict[str, str], key: str) -> str:
        present = [name.removeprefix("present-") for name in fields if name.startswith("present-")]
        services.call(
            "clubs", "take_attendance", fields.get("event_id", ""), {"present": present}, key
        )
        return "attendance_saved"

    return await _act(
        request, act, lambda fields: f"/evenements/{fields.get('event_id', '')}/presences"
    )
