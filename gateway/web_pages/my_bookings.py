"""« Mes réservations »: the signed-in member's bookings (``booking.my_bookings``, the caller
in the RPC context), and cancelling one (``booking.cancel_booking``, the service decides who
may and until when). A form per booking that can still be cancelled; POST then 303."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
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

PATH = "/mes-reservations"
CANCEL_PATH = "/mes-reservations/annuler"
ACCEPT_PATH = "/mes-reservations/accepter"
# A request awaiting the place's answer may be withdrawn too, and a waitlist left.
CANCELLABLE = ("confirmed", "awaiting_approval", "waitlisted", "offered")
RETRY = (
    i18n.N_("Service momentanément indisponible"),
    i18n.N_(
        "L'annulation n'a pas pu être enregistrée pour l'instant. Renvoyez le formulaire dans "
        "un moment : elle ne sera pas faite deux fois."
    ),
)


def services_for(request: Request, identity: Any) -> Services:
    return Services(request.app.state.rpc, request.state.correlation_id, identity.caller)


def listed(request: Request, services: Services) -> list[dict[str, Any]] | None:
    """The bookings with their resource and place, in the reader's dates; None: booking away."""
    try:
        bookings = services.call("booking", "my_bookings")
    except ServiceUnavailable:
        return None
    resources: dict[str, dict | None] = {}
    places: dict[str, dict | None] = {}
    now = datetime.now(UTC)
    shown = []
    for booking in bookings:
        rid = booking["resource_id"]
        if rid not in resources:
            try:
                resources[rid] = services.call("booking", "get_resource", rid)
            except (ServiceUnavailable, RemoteError):
                resources[rid] = None
        resource = resources[rid]
        pid = resource.get("place_id") if resource else None
        if pid and pid not in places:
            try:
                places[pid] = services.call("directory", "get_place", pid)
            except (ServiceUnavailable, RemoteError):
                places[pid] = None
        start = datetime.fromisoformat(str(booking["start"]))
        shown.append(
            {
                **booking,
                "resource": resource,
                "place": places.get(pid) if pid else None,
                "start_at": start,
                "end_at": datetime.fromisoformat(str(booking["end"])),
                # a request awaiting the place's answer may be withdrawn too
                "cancellable": booking["status"] in CANCELLABLE and start > now,
                "offer_until": _moment(booking.get("offer_expires_at"), start),
                "key": forms.new_key(),
            }
        )
    _mark_series(shown)
    return shown


def _moment(value: str | None, like: datetime) -> datetime | None:
    """An instant of the service (UTC) in the offset of the booking's own times."""
    return datetime.fromisoformat(value).astimezone(like.tzinfo) if value else None


def _mark_series(shown: list[dict[str, Any]]) -> None:
    """A series shows as its dates one after the other: the first of each carries the
    series' heading and « cancel the rest » (when a date of it can still be cancelled)."""
    seen: set[str] = set()
    for booking in shown:
        series_id = booking.get("series_id")
        booking["series_first"] = bool(series_id) and series_id not in seen
        if series_id:
            seen.add(series_id)
            rest = [b for b in shown if b.get("series_id") == series_id and b["cancellable"]]
            booking["series_rest"] = len(rest)


def page(request: Request, services: Services, alert=None, status: int = 200) -> Response:
    bookings = listed(request, services)
    running = capabilities(request)
    if bookings is None:
        running["booking"] = False
    context = {"services": running, "bookings": bookings or [], "alert": alert}
    return render(request, "my_bookings.html", context, status=status)


@router.get(PATH)
def my_bookings_page(request: Request, services: ServicesDep) -> Response:
    if page_account(request) is None:
        return to_sign_in(PATH)
    return page(request, services)


@router.post(CANCEL_PATH)
async def cancel(request: Request) -> Response:
    def act(services: Services, fields: dict[str, str], key: str) -> str:
        series_id = fields.get("series_id", "")
        if series_id:  # « cancel the rest »: every date of the series not yet started
            services.call("booking", "cancel_series", series_id, {}, key)
            return "series_cancelled"
        services.call("booking", "cancel_booking", fields.get("booking_id", ""), key)
        return "booking_cancelled"

    return await _booking_action(request, act)


@router.post(ACCEPT_PATH)
async def accept(request: Request) -> Response:
    """« Prendre la place »: the seats offered from the waitlist, signed in."""

    def act(services: Services, fields: dict[str, str], key: str) -> None:
        services.call("booking", "accept_offer", fields.get("booking_id", ""), None, key)

    return await _booking_action(request, act)


async def _booking_action(
    request: Request, act: Callable[[Services, dict[str, str], str], str | None]
) -> Response:
    """A button of this page: signed in (CSRF checked), ``act`` calls booking with the
    form's key; then back to the page (with ``act``'s flash), or the page with the refusal."""
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None:
        return to_sign_in(PATH)
    services = services_for(request, identity)
    language = i18n.page_language(request)
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    try:
        done = act(services, fields, key)
    except ServiceUnavailable:
        alert = (i18n.gettext(language, RETRY[0]), i18n.gettext(language, RETRY[1]))
        return page(request, services, alert, status=503)
    except RemoteError as exc:
        code, params = domain_code(exc)
        status = remote_error(exc.exc_args)[0].status
        return page(request, services, error_text(code, params, language), status=status)
    redirect = RedirectResponse(PATH, 303)
    return set_flash(redirect, done) if done else redirect
