"""A club's meetings in the web client: the coming meetings on the club's page
(``_club_meetings.html``), and the meetings section of the president's page
(``_president_meetings.html``): each meeting with its room (a refusal says why), its agenda,
moved or cancelled, and a new series planned. Both are includes, so that the club's and the
president's pages (clubs-core) take them as they are. No JavaScript: forms, POST, then 303.
Who may change a meeting is the clubs service's to decide: a refusal is shown as an alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import remote_error

from .. import i18n
from ..deps import KEY_PATTERN, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .render import render
from .site import (
    RETRY,
    capabilities,
    domain_code,
    not_found,
    place_or_none,
    sign_in_to,
    unavailable,
)

router = APIRouter(include_in_schema=False)

# Fixed paths (the edge takes HTML forms on named paths only); the club is in the form.
PLAN_PATH = "/reunions/planifier"
CHANGE_PATH = "/reunions/changer"
FORM_PATHS = (PLAN_PATH, CHANGE_PATH)

ORDINALS = ("1", "2", "3", "4", "-1")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The meetings shown on a page (a weekly club has 52 a year): the page stays under 60 KB.
SHOWN = 12
FIX = i18n.N_("Vérifiez le jour, les heures et la règle de la série.")


def meetings_path(club_id: str) -> str:
    return f"/clubs/{quote(club_id, safe='')}/reunions"


def manage_path(club_id: str) -> str:
    return meetings_path(club_id) + "/gerer"


def with_times(meeting: dict) -> dict:
    """A meeting as the templates read it: its start and end as datetimes (local offset)."""
    return {
        **meeting,
        "at": datetime.fromisoformat(str(meeting["start"])),
        "until": datetime.fromisoformat(str(meeting["end"])),
    }


def meetings_context(
    request: Request, services: ServicesDep, club_id: str, form: dict | None = None
) -> dict[str, Any] | Response:
    running = capabilities(request)
    if not running.get("clubs"):
        return unavailable(request, running)
    try:
        club = next((c for c in services.call("clubs", "list_clubs") if c["id"] == club_id), None)
        if club is None:
            return not_found(request, running)
        meetings = services.call("clubs", "list_meetings", club_id)
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, running)
    form = form or {}
    return {
        "services": running,
        "club": club,
        "place": place_or_none(services, club["place_id"]) if club.get("place_id") else None,
        "meetings": [with_times(m) for m in meetings[:SHOWN]],
        "more_meetings": max(0, len(meetings) - SHOWN),
        "signed_in": services.caller.member_id is not None,
        "manage_here": manage_path(club_id),
        "plan_path": PLAN_PATH,
        "change_path": CHANGE_PATH,
        "meetings_here": meetings_path(club_id),
        "sign_in_here": sign_in_to(manage_path(club_id)),
        "ordinals": ORDINALS,
        "weekdays": WEEKDAYS,
        "values": form.get("values", {}),
        "form_alert": form.get("alert"),
        "key": form.get("key") or forms.new_key(),
    }


@router.get("/clubs/{club_id}/reunions")
def club_meetings_page(request: Request, club_id: str, services: ServicesDep) -> Response:
    context = meetings_context(request, services, club_id)
    if isinstance(context, Response):
        return context
    return render(request, "club_meetings.html", context)


@router.get("/clubs/{club_id}/reunions/gerer")
def manage_meetings_page(request: Request, club_id: str, services: ServicesDep) -> Response:
    if services.caller.member_id is None and not services.caller.operator:
        return RedirectResponse(sign_in_to(manage_path(club_id)), 303)
    context = meetings_context(request, services, club_id)
    if isinstance(context, Response):
        return context
    return render(request, "club_meetings_manage.html", context)


def read_series(form: dict[str, str]) -> dict | None:
    """The ``MeetingSeriesIn`` payload of the planning form (None: a field unreadable)."""
    first = forms.parse_date(form.get("first_date", ""))
    start, end = (
        forms.parse_time(form.get("start_time", "")),
        forms.parse_time(form.get("end_time", "")),
    )
    until = forms.parse_date(form.get("until", "")) if form.get("until", "").strip() else None
    weekday = form.get("weekday", "TH")
    if first is None or start is None or end is None or weekday not in WEEKDAYS:
        return None
    if form.get("until", "").strip() and until is None:
        return None
    if form.get("every") == "week":
        rule: dict[str, Any] = {"freq": "weekly", "weekdays": [weekday]}
    else:
        nth = form.get("nth", "1")
        if nth not in ORDINALS:
            return None
        rule = {"freq": "monthly", "weekday": weekday, "nth": [int(nth)]}
    return {
        "title": form.get("title", "").strip(),
        "rule": rule,
        "first_date": first.isoformat(),
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        **({"until": until.isoformat()} if until else {}),
        "room": form.get("room") == "yes",
    }


def read_change(form: dict[str, str]) -> dict | None:
    """The ``MeetingPatch`` payload of one meeting's form (``action``: agenda, move, cancel)."""
    action = form.get("action")
    if action == "cancel":
        return {"status": "cancelled"}
    if action == "agenda":
        return {"agenda": form.get("agenda", "")}
    if action == "move":
        day = forms.parse_date(form.get("date", ""))
        start, end = forms.parse_time(form.get("start", "")), forms.parse_time(form.get("end", ""))
        if day is None or start is None or end is None:
            return None
        zone = i18n.PARIS
        return {
            "start": datetime.combine(day, start, zone).isoformat(),
            "end": datetime.combine(day, end, zone).isoformat(),
        }
    return None


async def act(request: Request, services: ServicesDep, call) -> Response:
    """Run one form's RPC; 303 back to the president's page, or the page with the alert."""
    language = i18n.page_language(request)
    form = await forms.read_form(request)
    club_id = form.get("club_id", "")
    if services.caller.member_id is None and not services.caller.operator:
        return RedirectResponse(sign_in_to(manage_path(club_id)), 303)
    key = form.get("key", "")
    state: dict[str, Any] = {
        "values": form,
        "key": key if KEY_PATTERN.match(key) else forms.new_key(),
    }
    status = 422
    payload = call.read(form)
    if payload is None:
        state["alert"] = (
            error_text("validation_failed", {}, language)[0],
            i18n.gettext(language, FIX),
        )
    else:
        try:
            call.send(services, club_id, form, payload, state["key"])
        except ServiceUnavailable:
            status = 503  # same key kept: sending the form again changes once
            state["alert"] = (i18n.gettext(language, RETRY[0]), i18n.gettext(language, RETRY[1]))
        except RemoteError as exc:
            code, params = domain_code(exc)
            status = remote_error(exc.exc_args)[0].status
            state["alert"] = error_text(code, params, language)
            state["key"] = forms.new_key()
        else:
            return RedirectResponse(manage_path(club_id), 303)
    context = meetings_context(request, services, club_id, state)
    if isinstance(context, Response):
        return context
    return render(request, "club_meetings_manage.html", context, status=status, language=language)


class Plan:
    read = staticmethod(read_series)

    @staticmethod
    def send(services, club_id: str, form: dict, payload: dict, key: str) -> None:
        services.call("clubs", "create_meeting_series", club_id, payload, key)


class Change:
    read = staticmethod(read_change)

    @staticmethod
    def send(services, club_id: str, form: dict, payload: dict, key: str) -> None:
        occurrence = form.get("occurrence_id", "")
        services.call("clubs", "update_meeting", club_id, occurrence, payload, key)


@router.post(PLAN_PATH)
async def plan_meetings(request: Request, services: ServicesDep) -> Response:
    return await act(request, services, Plan)


@router.post(CHANGE_PATH)
async def change_meeting(request: Request, services: ServicesDep) -> Response:
    return await act(request, services, Change)
