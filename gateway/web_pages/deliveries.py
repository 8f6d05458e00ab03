"""« Courriels » (/administration/courriels): the delivery log and the suspended addresses,
for a territory admin (others get a 403 page, no one a sign-in).

Search the log by address and/or event id (GET, a plain form); see each email's status, its
attempts, the server's answer; see the addresses the mail server refused for good and lift a
suspension (POST then 303, CSRF-checked, written in the audit log as the API does). The same
RPCs as ``/api/admin/deliveries`` and ``/api/admin/suspensions`` (``routers/deliveries.py``).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.notifications import DELIVERY_STATUSES

from .. import i18n
from ..deps import Identity
from ..i18n import N_, gettext
from ..routers.deliveries import SERVICE, lift
from ..rpc_client import RemoteError, ServiceUnavailable
from .accounts import refused, to_sign_in, who
from .my_bookings import services_for
from .render import render, set_flash

router = APIRouter(include_in_schema=False)

PATH = "/administration/courriels"
LIFT_PATH = "/administration/courriels/lever"
FORM_PATHS = (LIFT_PATH,)

NOT_ADMIN = (
    N_("Accès réservé"),
    N_("Cette page est réservée à l'administration du territoire."),
)
AWAY = (
    N_("Service des courriels momentanément indisponible"),
    N_("Le journal des envois ne peut pas être lu pour l'instant. Réessayez dans un moment."),
)
STATUS_LABELS = {
    "pending": N_("en attente"),
    "sending": N_("en cours d'envoi"),
    "sent": N_("envoyé"),
    "refused": N_("refusé par le serveur"),
    "failed": N_("abandonné"),
    "suppressed": N_("désabonné"),
    "suspended": N_("adresse suspendue"),
}


def allowed(request: Request, identity: Identity | None, path: str) -> Response | None:
    if identity is None:
        return refused(request)
    if identity.member is None and not identity.caller.operator:
        return to_sign_in(path)
    if not identity.caller.admin:
        language = i18n.page_language(request)
        title, detail = (gettext(language, text) for text in NOT_ADMIN)
        context = {"title": title, "detail": detail}
        return render(request, "account_refused.html", context, status=403)
    return None


def _query(request: Request) -> dict[str, str]:
    params = request.query_params
    query = {name: params.get(name, "").strip()[:254] for name in ("email", "event_id")}
    status = params.get("status", "")
    query["status"] = status if status in DELIVERY_STATUSES else ""
    return query


@router.get(PATH)
async def deliveries_page(request: Request) -> Response:
    identity, _ = await who(request)
    refusal = allowed(request, identity, PATH)
    if refusal is not None:
        return refusal
    language = i18n.page_language(request)
    query = _query(request)
    services = services_for(request, identity)
    context: dict[str, Any] = {
        "query": query,
        "statuses": [(s, gettext(language, STATUS_LABELS[s])) for s in DELIVERY_STATUSES],
        "status_labels": {s: gettext(language, t) for s, t in STATUS_LABELS.items()},
        "away": None,
    }
    try:
        context["log"] = services.call(
            SERVICE,
            "delivery_log",
            email=query["email"] or None,
            event_id=query["event_id"] or None,
            status=query["status"] or None,
            limit=100,
        )
        context["suspended"] = services.call(SERVICE, "suspensions", limit=100)
    except (ServiceUnavailable, RemoteError):
        context.update(log=[], suspended=[], away=tuple(gettext(language, t) for t in AWAY))
        return render(request, "deliveries.html", context, status=503)
    return render(request, "deliveries.html", context)


@router.post(LIFT_PATH)
async def lift_page(request: Request) -> Response:
    identity, fields = await who(request)
    refusal = allowed(request, identity, PATH)
    if refusal is not None:
        return refusal
    email = fields.get("email", "").strip()
    key = fields.get("key", "").strip() or uuid.uuid4().hex
    services = services_for(request, identity)
    try:
        lift(request, services, identity, email, key)
    except (ServiceUnavailable, RemoteError):
        language = i18n.page_language(request)
        title, detail = (gettext(language, t) for t in AWAY)
        context = {"title": title, "detail": detail}
        return render(request, "account_refused.html", context, status=503)
    target = f"{PATH}?{urlencode({'email': email})}"
    return set_flash(RedirectResponse(target, 303), "suspension_lifted")
