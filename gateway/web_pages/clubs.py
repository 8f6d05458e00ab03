"""The clubs' pages (issue 10): the territory's clubs (or a place's, ``?lieu=``), a club's page
(join, leave) and its managers' page (members, join requests, announcements, the presidency;
the meetings section comes with the meetings). Without JavaScript: links, forms, POST then 303.
Who may do what is the clubs service's to say: a refusal shows as its error's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import remote_error

from .. import i18n
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .my_bookings import services_for
from .render import render, set_flash
from .site import capabilities, domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

RETRY = (
    i18n.N_("Service momentanément indisponible"),
    i18n.N_("Votre demande n'a pas pu être enregistrée. Renvoyez le formulaire dans un moment."),
)


def club_path(club_id: str) -> str:
    return f"/clubs/{quote(club_id, safe='')}"


def place_of(services: Services, running: dict[str, bool], place_id: str | None) -> dict | None:
    if not place_id or not running.get("directory"):
        return None
    try:
        return services.call("directory", "get_place", place_id)
    except (ServiceUnavailable, RemoteError):
        return None


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(i18n.PARIS) if value else None


@router.get("/clubs")
def clubs_page(request: Request, services: ServicesDep, lieu: str = "") -> Response:
    """The territory's clubs, or those of one place (``?lieu=<place id>``)."""
    running = capabilities(request)
    if not running.get("clubs"):
        return not_found(request, running)
    try:
        clubs = services.call("clubs", "list_clubs", lieu[:64]) if lieu else None
        clubs = clubs if clubs is not None else services.call("clubs", "list_clubs")
    except ServiceUnavailable:
        return unavailable(request, running)
    places: dict[str, dict] = {}
    if running.get("directory"):
        try:
            places = {p["id"]: p for p in services.call("directory", "list_places", None)}
        except (ServiceUnavailable, RemoteError):
            places = {}
    context = {"services": running, "clubs": clubs, "places": places, "place": places.get(lieu)}
    return render(request, "clubs.html", context)


def club_context(request: Request, services: Services, club_id: str) -> dict[str, Any] | None:
    """What a club's pages show; None when there is no such club."""
    running = capabilities(request)
    try:
        club = services.call("clubs", "get_club", club_id)
    except RemoteError:
        return None
    mine = services.call("clubs", "my_standing", club_id)
    return {
        "services": running,
        "club": club,
        "place": place_of(services, running, club.get("place_id")),
        "mine": mine,
        "status_since": moment(club.get("status_changed_at")),
        "key": forms.new_key(),
    }


def readable(services: Services, method: str, club_id: str) -> list[dict] | None:
    """A list the caller may or may not read (members, announcements): None when refused.
    Announcements get their date in Paris time (``posted``)."""
    try:
        rows = services.call("clubs", method, club_id)
    except RemoteError:
        return None
    return [{**row, "posted": moment(row.get("posted_at"))} for row in rows]


@router.get("/clubs/{club_id}")
def club_page(request: Request, club_id: str, services: ServicesDep) -> Response:
    return club_response(request, services, club_id)


def club_response(
    request: Request, services: Services, club_id: str, alert=None, status: int = 200
) -> Response:
    running = capabilities(request)
    if not running.get("clubs"):
        return not_found(request, running)
    try:
        context = club_context(request, services, club_id)
        if context is None:
            return not_found(request, running)
        member = context["mine"]["status"] == "member"
        context["members"] = readable(services, "list_members", club_id)
        context["announcements"] = (
            readable(services, "list_announcements", club_id) if member else None
        )
    except ServiceUnavailable:
        return unavailable(request, running)
    return render(request, "club.html", {**context, "alert": alert}, status=status)


@router.get("/clubs/{club_id}/gestion")
def manage_page(request: Request, club_id: str, services: ServicesDep) -> Response:
    return manage_response(request, services, club_id)


def manage_response(
    request: Request, services: Services, club_id: str, alert=None, status: int = 200
) -> Response:
    """The managers' page: members, join requests, announcements, the presidency."""
    running = capabilities(request)
    if not running.get("clubs"):
        return not_found(request, running)
    if services.caller.anonymous:
        return to_sign_in(f"{club_path(club_id)}/gestion")
    try:
        context = club_context(request, services, club_id)
        if context is None:
            return not_found(request, running)
        if not context["mine"]["manages"]:
            language = i18n.page_language(request)
            denied = error_text("forbidden", {}, language)
            return club_response(request, services, club_id, denied, status=403)
        context.update(
            members=readable(services, "list_members", club_id) or [],
            requests=readable(services, "list_join_requests", club_id) or [],
            announcements=readable(services, "list_announcements", club_id) or [],
            keys={name: forms.new_key() for name in ("announce", "hand_over")},
        )
    except ServiceUnavailable:
        return unavailable(request, running)
    return render(request, "club_manage.html", {**context, "alert": alert}, status=status)


# The forms post to fixed paths (the edge takes a form only on paths it knows: FORM_PATHS),
# the club's id in a field.
JOIN_PATH = "/clubs/rejoindre"
LEAVE_PATH = "/clubs/quitter"
MANAGE_PATHS = {
    "requests": "/clubs/gestion/demandes",
    "members": "/clubs/gestion/membres",
    "announce": "/clubs/gestion/annonces",
    "hand_over": "/clubs/gestion/presidence",
}
FORM_PATHS = (JOIN_PATH, LEAVE_PATH, *MANAGE_PATHS.values())


async def club_action(
    request: Request,
    act: Callable[[Services, str, dict[str, str], str], str],
    manage: bool = False,
) -> Response:
    """A button of a club's page (``manage``: of its managers' page): signed in (CSRF
    checked), ``act`` calls clubs with the form's key, then 303 back with ``act``'s flash; a
    refusal shows the page again with its words."""
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    club_id = fields.get("club_id", "")[:64]
    back = manage_response if manage else club_response
    to = f"{club_path(club_id)}/gestion" if manage else club_path(club_id)
    if identity.caller.anonymous:
        return to_sign_in(club_path(club_id))
    services = services_for(request, identity)
    language = i18n.page_language(request)
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    try:
        done = act(services, club_id, fields, key)
    except ServiceUnavailable:
        alert = (i18n.gettext(language, RETRY[0]), i18n.gettext(language, RETRY[1]))
        return back(request, services, club_id, alert, status=503)
    except RemoteError as exc:
        code, params = domain_code(exc)
        status = remote_error(exc.exc_args)[0].status
        return back(request, services, club_id, error_text(code, params, language), status)
    return set_flash(RedirectResponse(to, 303), done)


def _join(services: Services, club_id: str, fields: dict[str, str], key: str) -> str:
    standing = services.call("clubs", "join", club_id, key)
    return "club_joined" if standing["status"] == "member" else "club_join_requested"


def _leave(services: Services, club_id: str, fields: dict[str, str], key: str) -> str:
    services.call("clubs", "leave", club_id, services.caller.member_id or "", key)
    return "club_left"


def _answer(services: Services, club_id: str, fields: dict[str, str], key: str) -> str:
    approve = fields.get("decision") == "approve"
    body = {"approve": approve}
    services.call("clubs", "answer_join_request", club_id, fields.get("member_id", ""), body, key)
    return "club_request_approved" if approve else "club_request_refused"


def _member(services: Services, club_id: str, fields: dict[str, str], key: str) -> str:
    member_id = fields.get("member_id", "")
    action = fields.get("action")
    if action in ("co_organiser", "member"):
        services.call("clubs", "set_role", club_id, member_id, {"role": action}, key)
        return "club_role_changed"
    services.call("clubs", "leave", club_id, member_id, key)
    return "club_member_removed"


def _announce(services: Services, club_id: str, fields: dict[str, str], key: str) -> str:
    body = {"subject": fields.get("subject", ""), "body": fields.get("body", "")}
    services.call("clubs", "post_announcement", club_id, body, key)
    return "club_announcement_posted"


def _hand_over(services: Services, club_id: str, fields: dict[str, str], key: str) -> str:
    services.call("clubs", "hand_over", club_id, {"member_id": fields.get("member_id", "")}, key)
    return "club_president_changed"


@router.post(JOIN_PATH)
async def join(request: Request) -> Response:
    return await club_action(request, _join)


@router.post(LEAVE_PATH)
async def leave(request: Request) -> Response:
    return await club_action(request, _leave)


@router.post(MANAGE_PATHS["requests"])
async def answer_request(request: Request) -> Response:
    return await club_action(request, _answer, manage=True)


@router.post(MANAGE_PATHS["members"])
async def change_member(request: Request) -> Response:
    return await club_action(request, _member, manage=True)


@router.post(MANAGE_PATHS["announce"])
async def announce(request: Request) -> Response:
    return await club_action(request, _announce, manage=True)


@router.post(MANAGE_PATHS["hand_over"])
async def hand_over(request: Request) -> Response:
    return await club_action(request, _hand_over, manage=True)
