"""« Modération » (/moderation): the coordinator's queue of proposals, likely duplicates
flagged, « Accepter » or « Refuser » with a reason (emailed to the contributor); and a
record's « Historique » (/places/{id}/historique, /actors/{id}/historique). The same RPC as
the API (``routers/contributions.py``); the directory decides who may, and a refusal shows
the « Accès réservé » page. Proposing is ``proposals.py``; open data ``open_data.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from .. import i18n
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..i18n import N_, gettext
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .my_bookings import services_for
from .proposals import remote_status
from .render import page_account, render, set_flash
from .site import capabilities, domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

router = APIRouter(include_in_schema=False)

QUEUE_PATH = "/moderation"
DECIDE_PATH = "/moderation/decision"
NOT_STAFF = (
    N_("Accès réservé"),
    N_("Cette page est réservée à la coordination du réseau."),
)


def refusal_page(request: Request, exc: RemoteError) -> Response:
    code, params = domain_code(exc)
    if code in ("forbidden", "authentication_required"):
        language = i18n.page_language(request)
        title, detail = (gettext(language, text) for text in NOT_STAFF)
        context = {"title": title, "detail": detail}
        return render(request, "account_refused.html", context, status=403)
    return not_found(request, capabilities(request))


def staff_read(request: Request, services: Services, method: str, *args: Any) -> Any:
    """A read of the directory for a staff page: its answer, or the page telling why not
    (the service away, or the reader not allowed)."""
    try:
        return services.call("directory", method, *args)
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    except RemoteError as exc:
        return refusal_page(request, exc)


def queue_page(
    request: Request, services: Services, status: str, alert=None, code: int = 200
) -> Response:
    queue = staff_read(request, services, "list_contributions", status)
    if isinstance(queue, Response):
        return queue
    for contribution in queue:
        contribution["submitted_at_local"] = i18n.local(_instant(contribution["submitted_at"]))
    context = {
        "contributions": queue,
        "status": status,
        "statuses": ("pending", "approved", "rejected"),
        "alert": alert,
        "key": forms.new_key(),
        "services": capabilities(request),
    }
    return render(request, "moderation.html", context, status=code)


@router.get(QUEUE_PATH)
def moderation_queue(request: Request, services: ServicesDep, statut: str = "pending") -> Response:
    if page_account(request) is None:
        return to_sign_in(QUEUE_PATH)
    status = statut if statut in ("pending", "approved", "rejected") else "pending"
    return queue_page(request, services, status)


@router.post(DECIDE_PATH)
async def decide(request: Request) -> Response:
    identity, values = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None:
        return to_sign_in(QUEUE_PATH)
    services = services_for(request, identity)
    language = i18n.page_language(request)
    action, contribution_id = values.get("action", ""), values.get("contribution_id", "")
    key = values.get("key", "")
    key = key if forms.KEY_PATTERN.match(key) else forms.new_key()
    try:
        if action == "approve":
            services.call("directory", "approve_contribution", contribution_id, key)
        elif action == "reject":
            reason = " ".join(values.get("reason", "").split())
            payload = {"reason": reason} if reason else {}
            services.call("directory", "reject_contribution", contribution_id, payload, key)
        else:
            return not_found(request, capabilities(request))
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    except RemoteError as exc:
        code, params = domain_code(exc)
        if code in ("forbidden", "authentication_required"):
            return refusal_page(request, exc)
        if code == "validation_failed":
            code, params = "reason_required", {"field": "reason"}
        alert = error_text(code, params, language)
        return queue_page(request, services, "pending", alert, remote_status(exc))
    flash = "contribution_approved" if action == "approve" else "contribution_rejected"
    return set_flash(RedirectResponse(QUEUE_PATH, 303), flash)


@router.get("/places/{record_id}/historique")
def place_history(request: Request, record_id: str, services: ServicesDep) -> Response:
    return history_page(request, services, "place", record_id)


@router.get("/actors/{record_id}/historique")
def actor_history(request: Request, record_id: str, services: ServicesDep) -> Response:
    return history_page(request, services, "actor", record_id)


def history_page(
    request: Request, services: Services, record_type: str, record_id: str
) -> Response:
    path = f"/{'places' if record_type == 'place' else 'actors'}/{record_id}/historique"
    if page_account(request) is None:
        return to_sign_in(path)
    changes = staff_read(request, services, "record_history", record_type, record_id)
    if isinstance(changes, Response):
        return changes
    for change in changes:
        change["when"] = i18n.local(_instant(change["at"]))
    context = {
        "record_type": record_type,
        "record_id": record_id,
        "changes": changes,
        "services": capabilities(request),
    }
    return render(request, "record_history.html", context)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)
