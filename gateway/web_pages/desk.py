"""The facilitator's desk: a place's planning for a day or a week (``booking.planning``) with,
beside each booking, what can be done to it — approve or reject a request (with a reason),
check the person in, record an outcome, cancel (with a reason). Each is a POST form with
its CSRF token and idempotency key, then 303 back to the same planning; the booking service
decides who may (a manager of the place, territory staff). Printable on one A4 page."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.errors import remote_error
from contracts.identity import TerritoryRole

from .. import i18n
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .my_bookings import services_for
from .render import page_account, render, set_flash
from .site import capabilities, domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

ACTION_PATH = "/planning/action"
# What each button asks of the booking service, and what it needs from the form.
ACTIONS = {
    "approve": ("approve_booking", None),
    "reject": ("reject_booking", "reason"),
    "check_in": ("check_in", None),
    "outcome": ("record_outcome", "outcome"),
    "cancel": ("cancel_booking", "reason"),
    "restore": ("restore_booking", None),
}
FLASH = {
    "approve": "booking_approved",
    "reject": "booking_rejected",
    "check_in": "booking_checked_in",
    "outcome": "booking_outcome_recorded",
    "cancel": "booking_cancelled_by_place",
    "restore": "booking_restored_by_place",
}
RETRY = (
    i18n.N_("Service momentanément indisponible"),
    i18n.N_(
        "Votre choix n'a pas pu être enregistré pour l'instant. Renvoyez le formulaire dans un "
        "moment : il ne sera pas enregistré deux fois."
    ),
)


def planning_path(place_id: str, day: str | None = None, days: int = 1) -> str:
    query = {k: v for k, v in (("date", day), ("jours", days if days != 1 else None)) if v}
    path = f"/places/{quote(place_id, safe='')}/planning"
    return f"{path}?{urlencode(query)}" if query else path


def _day(text: str | None) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def _days(text: str | None) -> int:
    return 7 if text == "7" else 1


def by_day(bookings: list[dict], now: datetime) -> list[tuple[date, list[dict]]]:
    """The bookings grouped by their local day, each with what may be done now (the booking
    service has the last word)."""
    days: dict[date, list[dict]] = defaultdict(list)
    for booking in bookings:
        start = datetime.fromisoformat(str(booking["start"]))
        end = datetime.fromisoformat(str(booking["end"]))
        status = booking["status"]
        begun, confirmed = start <= now, status == "confirmed"
        days[i18n.local(start).date()].append(
            {
                **booking,
                "start_at": start,
                "end_at": end,
                "awaiting": status == "awaiting_approval",
                "check_in": confirmed and start - timedelta(minutes=30) <= now < end,
                "outcome": begun and status in ("confirmed", "checked_in", "no_show", "excused"),
                "cancel": status in ("confirmed", "awaiting_approval") and now < end,
                "key": forms.new_key(),
            }
        )
    return sorted(days.items())


def _restorable(booking: dict) -> dict:
    """A cancelled booking the place may restore, as the template shows it."""
    start = i18n.local(datetime.fromisoformat(str(booking["start"])))
    end = i18n.local(datetime.fromisoformat(str(booking["end"])))
    return {**booking, "start_at": start, "end_at": end, "key": forms.new_key()}


def page(
    request: Request,
    services: Services,
    place_id: str,
    day: str | None,
    days: int,
    alert=None,
    status: int = 200,
) -> Response:
    running = capabilities(request)
    try:
        planning = services.call("booking", "planning", place_id, day, days)
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        code, params = domain_code(exc)
        if code in ("forbidden", "authentication_required"):
            language = i18n.page_language(request)
            title, detail = error_text("forbidden", params, language)
            return render(
                request, "account_refused.html", {"title": title, "detail": detail}, status=403
            )
        return not_found(request, running)
    place = None
    try:
        place = services.call("directory", "get_place", place_id)
    except (ServiceUnavailable, RemoteError):
        place = None  # the planning stands without its place's name
    start = datetime.fromisoformat(str(planning["start"]))
    first = i18n.local(start).date()
    context = {
        "services": running,
        "place": place,
        "place_id": place_id,
        "planning": planning,
        "days": by_day(planning["bookings"], datetime.now(UTC)),
        "first": first,
        "last": first + timedelta(days=days - 1),
        "span": days,
        "cancelled": [_restorable(b) for b in planning.get("cancelled", [])],
        "awaiting": sum(b["status"] == "awaiting_approval" for b in planning["bookings"]),
        "previous": planning_path(place_id, (first - timedelta(days=days)).isoformat(), days),
        "next": planning_path(place_id, (first + timedelta(days=days)).isoformat(), days),
        "day_view": planning_path(place_id, first.isoformat(), 1),
        "week_view": planning_path(place_id, first.isoformat(), 7),
        "alert": alert,
    }
    return render(request, "planning.html", context, status=status)


@router.get("/places/{place_id}/planning")
def planning_page(
    request: Request, place_id: str, services: ServicesDep, date: str = "", jours: str = ""
) -> Response:
    if page_account(request) is None:
        return to_sign_in(planning_path(place_id, _day(date), _days(jours)))
    return page(request, services, place_id, _day(date), _days(jours))


@router.post(ACTION_PATH)
async def act(request: Request) -> Response:
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    place_id, day, days = (
        fields.get("place_id", ""),
        _day(fields.get("date")),
        _days(fields.get("jours")),
    )
    back = planning_path(place_id, day, days)
    if identity.member is None:
        return to_sign_in(back)
    services = services_for(request, identity)
    language = i18n.page_language(request)
    action = fields.get("action", "")
    if action not in ACTIONS:
        return not_found(request, capabilities(request))
    method, needs = ACTIONS[action]
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    booking_id = fields.get("booking_id", "")
    args: tuple = (booking_id, key)
    if needs == "reason":
        reason = " ".join(fields.get("reason", "").split())
        payload = {"reason": reason} if reason else {}
        args = (booking_id, payload, key) if action == "reject" else (booking_id, key, payload)
    elif needs == "outcome":
        args = (booking_id, {"outcome": fields.get("outcome", "")}, key)
    try:
        services.call("booking", method, *args)
    except ServiceUnavailable:
        alert = (i18n.gettext(language, RETRY[0]), i18n.gettext(language, RETRY[1]))
        return page(request, services, place_id, day, days, alert, status=503)
    except RemoteError as exc:
        code, params = domain_code(exc)
        if code == "validation_failed" and needs:  # the form's one field: say which
            code, params = "reason_required" if needs == "reason" else code, {"field": needs}
        status = remote_error(exc.exc_args)[0].status
        alert = error_text(code, params, language)
        return page(request, services, place_id, day, days, alert, status=status)
    return set_flash(RedirectResponse(back, 303), FLASH[action])


def desk_link(caller: Any, place_id: str) -> str | None:
    """The planning's address for who runs this place's desk (a manager of it, a territory
    admin or coordinator); None for anyone else (the booking service refuses them anyway)."""
    staff = caller.manages_place(place_id) or caller.has_role(TerritoryRole.coordinator)
    return planning_path(place_id) if caller.member_id is not None and staff else None
