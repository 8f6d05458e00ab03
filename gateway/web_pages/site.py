"""The territory's pages: home, a place and its booking forms, a booking, and the language
switch (the clubs' pages: clubs.py). Each works without JavaScript: links, forms, POST then 303."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import remote_error

from .. import i18n
from ..accounts.models import ProfilePatch, is_safe_path
from ..accounts.store import accounts
from ..deps import Services, ServicesDep
from ..routers import me
from ..rpc_client import RemoteError, ServiceUnavailable
from . import availability, forms, series_pages
from .render import render
from .rule_words import rule_words

router = APIRouter(include_in_schema=False)

STATUSES = ("open", "project", "closed")
YEAR = 365 * 24 * 3600
RETRY = (
    i18n.N_("Service momentanément indisponible"),
    i18n.N_(
        "La réservation n'a pas pu être enregistrée pour l'instant. Renvoyez le formulaire "
        "tel quel dans un moment : elle ne sera pas enregistrée deux fois."
    ),
)


def capabilities(request: Request) -> dict[str, bool]:
    return request.app.state.capabilities.current()


def unavailable(request: Request, services: dict[str, bool] | None = None) -> Response:
    return render(request, "unavailable.html", {"services": services or {}}, status=503)


def not_found(request: Request, services: dict[str, bool] | None = None) -> Response:
    return render(request, "not_found.html", {"services": services or {}}, status=404)


def directory_places(services: Services) -> list[dict[str, Any]] | None:
    """The directory's places by name; None when it does not answer."""
    try:
        places = services.call("directory", "list_places", None)
    except (ServiceUnavailable, RemoteError):
        return None
    return sorted(places, key=lambda place: place.get("name", "").lower())


def place_names(services: Services, ids: list[str]) -> dict[str, str]:
    """The names of these places (one call, none when there is nothing to name); a place
    the directory does not answer for is left out."""
    if not ids:
        return {}
    return {place["id"]: place["name"] for place in directory_places(services) or []}


def domain_code(exc: RemoteError) -> tuple[str, dict[str, Any]]:
    """The error's code and parameters; an unknown code is a bug, raised again (500)."""
    cls, code, params = remote_error(exc.exc_args)
    if cls is None:
        raise exc
    return code, params


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request, services: ServicesDep, statut: str = "") -> Response:
    running = capabilities(request)
    places: list[dict] | None = None
    if running.get("directory"):
        try:
            places = services.call("directory", "list_places", None)
        except ServiceUnavailable:
            places = None
            running["directory"] = False
    status = statut if statut in STATUSES else ""
    shown = [p for p in places or [] if not status or p.get("status") == status]
    counts = {s: sum(1 for p in places or [] if p.get("status") == s) for s in STATUSES}
    tiles = request.app.state.settings.map_tiles_url
    return render(
        request,
        "home.html",
        {
            "services": running,
            "places": places,
            "shown": sorted(shown, key=lambda p: p.get("name", "").lower()),
            "status": status,
            "counts": counts,
            "map": bool(shown) and any(p.get("location") for p in shown),
            "tiles_url": tiles,
        },
    )


def place_context(
    request: Request, services: ServicesDep, place_id: str, submitted: forms.BookingForm | None
) -> dict[str, Any] | Response:
    running = capabilities(request)
    try:
        place = services.call("directory", "get_place", place_id)
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        if domain_code(exc)[0] in ("not_found", "validation_failed", "bad_request"):
            return not_found(request, running)
        raise
    place_id = place["id"]  # the page may be reached by the place's slug
    resources: list[dict] | None = None
    if running.get("booking"):
        try:
            resources = services.call("booking", "list_resources", place_id)
        except ServiceUnavailable:
            running["booking"] = False
        except RemoteError as exc:
            domain_code(exc)
            resources = []
    # The place's permanences (permanences.py), their rule in words.
    language = i18n.page_language(request)
    permanences = []
    if running.get("booking"):
        try:
            permanences = services.call("booking", "list_permanences", place_id)
        except (ServiceUnavailable, RemoteError):
            permanences = []
    for permanence in permanences:
        permanence["words"] = rule_words(permanence["rule"], language)
    for r in resources or []:
        # What a booking may take: a desk pool's resident seats are not booked by the hour
        # (the booking service refuses more, ``too_many_seats``).
        r["bookable_seats"] = r["seats"] - (r.get("resident_seats") or 0)
    booking_forms = {
        r["id"]: submitted
        if submitted and submitted.resource_id == r["id"]
        else forms.BookingForm(resource_id=r["id"])
        for r in resources or []
    }
    # A slot picked in the availability grid (or the territory's search) fills its form.
    slot = availability.picked(request) if submitted is None else {}
    if slot.get("ressource") in booking_forms:
        values = booking_forms[slot["ressource"]].values
        values.update(date=slot["date"], start=slot["debut"], end=slot["fin"])
    today = datetime.now(i18n.PARIS).date()
    first = availability.first_day(request.query_params.get("du"), today)
    grids = availability.place_grids(services, place_id, first) if resources else None
    who = services.caller
    from .desk import desk_link  # desk.py builds on this module
    from .places import place_details  # places.py too

    return {
        "grids": grids,
        "grid_previous": availability.previous_days(first, today),
        "grid_next": (first + timedelta(days=availability.GRID_DAYS)).isoformat(),
        "slot_link": availability.slot_link,
        "picked": slot.get("ressource"),
        "services": running,
        "place": place,
        "resources": resources,
        "permanences": permanences,
        "forms": booking_forms,
        "submitted": submitted.resource_id if submitted else None,
        # Who books: no one (an invitation to sign in), a member for themselves, or also a
        # manager of this place (or a territory admin) for someone else. The booking service
        # applies the same rule whatever the form shows.
        "signed_in": who.member_id is not None,
        "for_others": who.member_id is not None and who.manages_place(place_id),
        "planning": desk_link(who, place_id),
        "sign_in_here": sign_in_path(place_id, request.url.query if slot else ""),
        **place_details(request, services, place, running),
    }


def place_path(place_id: str) -> str:
    return f"/places/{quote(place_id, safe='')}"


def sign_in_path(place_id: str, query: str = "") -> str:
    """The sign-in page, which brings the member back to this place (and the slot picked)."""
    return sign_in_to(place_path(place_id) + (f"?{query}" if query else ""))


def sign_in_to(path: str) -> str:
    """The sign-in page, which brings the member back to ``path`` (a page of this site)."""
    return f"/connexion?suite={quote(path, safe='/')}"


def place_or_none(services: Services, place_id: str) -> dict | None:
    """The place, or None when the directory does not answer for it: a booking or a
    permanence stands without its place's name."""
    try:
        return services.call("directory", "get_place", place_id)
    except (ServiceUnavailable, RemoteError):
        return None


def booked_by_caller(booking: dict, services: Services) -> bool:
    """Booked for oneself (the confirmation went to the caller), rather than by a manager
    for someone (who got the email, if any)."""
    email = (booking.get("email") or "").lower()
    return bool(email) and email == (services.caller.email or "").lower()


@router.get("/places/{place_id}")
def place_page(request: Request, place_id: str, services: ServicesDep) -> Response:
    """A place, its resources and, for a signed-in member, a booking form for each; emails
    link here."""
    context = place_context(request, services, place_id, None)
    if isinstance(context, Response):
        return context
    return render(request, "place.html", context)


@router.post("/reservations")
async def book(request: Request, services: ServicesDep) -> Response:
    language = i18n.page_language(request)
    form = await forms.read_form(request)
    place_id = form.get("place_id", "")
    if services.caller.member_id is None:  # signed out since the page was shown
        return RedirectResponse(sign_in_path(place_id), 303)
    if series_pages.wanted(form):  # « Répéter »: its dates shown, then booked
        return series_pages.book_series(request, services, form, language)
    state, payload = forms.read_booking(form, language)
    status = 422
    if payload is not None:
        try:
            booking = services.call("booking", "create_booking", payload, state.key)
        except ServiceUnavailable:
            status = 503  # same key kept: sending the form again books once
            state.alert = (i18n.gettext(language, RETRY[0]), i18n.gettext(language, RETRY[1]))
        except RemoteError as exc:
            code, params = domain_code(exc)
            status = remote_error(exc.exc_args)[0].status
            state = forms.refused(state, code, params, language)
        else:
            return RedirectResponse(f"/reservations/{quote(booking['id'], safe='')}", 303)
    context = place_context(request, services, place_id, state)
    if isinstance(context, Response):
        return context
    return render(request, "place.html", context, status=status, language=language)


@router.get("/reservations/{booking_id}")
def booking_page(request: Request, booking_id: str, services: ServicesDep) -> Response:
    running = capabilities(request)
    try:
        booking = services.call("booking", "get_booking", booking_id)
        resource = services.call("booking", "get_resource", booking["resource_id"])
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, running)
    place = place_or_none(services, resource["place_id"])
    return render(
        request,
        "booking.html",
        {
            "services": running,
            "booking": booking,
            "resource": resource,
            "place": place,
            "start": datetime.fromisoformat(str(booking["start"])),
            "end": datetime.fromisoformat(str(booking["end"])),
            "mine": booked_by_caller(booking, services),
        },
    )


def safe_next(target: str) -> str:
    """Only a path of this site (no ``//host``, no scheme): the switch is no open redirect."""
    return target if is_safe_path(target) else "/"


@router.post("/langue")
async def switch_language(request: Request) -> Response:
    """The cookie for anyone; a signed-in member's saved language comes first on every page
    (and in their emails), so the switch changes it too, as the profile's form does."""
    from .accounts import refused, who

    identity, form = await who(request)
    if identity is None:  # a session's form without its CSRF token
        return refused(request)
    language = form.get("langue", "")
    response = RedirectResponse(safe_next(form.get("next", "/")), 303)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE, language, max_age=YEAR, httponly=True, samesite="lax"
        )
        if identity.member is not None and identity.member.get("language") != language:
            patch = ProfilePatch(language=language)
            me.patch_me(request, patch, identity, accounts(request.app.state))
    return response
