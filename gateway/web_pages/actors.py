"""The local actors' pages: the list with its filters, an actor's page with the contact form,
the owner's and the coordinator's form (the work-stay portal: ``portal.py``; the reply page a
contact request's recipient reaches from their email: ``contact_reply.py``). No JavaScript:
links, GET filters, POST then 303.

The directory decides what a reader sees (no email nor phone unless the actor opted in) and
who may edit; these pages show its answers and its refusals in the reader's words."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.directory import ActorCategory
from contracts.errors import remote_error

from .. import i18n, ratelimit
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, who
from .my_bookings import services_for
from .render import page_account, render
from .site import domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

LIST_PATH = "/actors"
CONTACT_PATH = "/contact"
FORM_PATHS = (CONTACT_PATH,)
STAFF = {"admin", "coordinator"}
SENT = i18n.N_(
    "Votre message est envoyé. Le destinataire y répondra par e-mail ; votre adresse ne lui "
    "est donnée que s'il vous répond."
)


def actor_path(actor_id: str) -> str:
    return f"{LIST_PATH}/{quote(actor_id, safe='')}"


def _alert(exc: RemoteError, language: str) -> tuple[tuple[str, str], int, dict[str, Any]]:
    code, params = domain_code(exc)
    return error_text(code, params, language), remote_error(exc.exc_args)[0].status, params


def _is_staff(account: dict[str, Any] | None) -> bool:
    return bool(account and account.get("staff"))


def _may_edit(account: dict[str, Any] | None, actor: dict[str, Any]) -> bool:
    if account is None:
        return False
    return _is_staff(account) or actor.get("owner_id") == account["member"]["_id"]


@router.get(LIST_PATH)
def actors_page(
    request: Request,
    services: ServicesDep,
    q: str = "",
    categorie: str = "",
    commune: str = "",
    page: int = 1,
) -> Response:
    criteria: dict[str, Any] = {"page": max(1, min(page, 1000)), "per_page": 20}
    if q.strip():
        criteria["q"] = q.strip()[:200]
    if categorie in ActorCategory.__members__:
        criteria["category"] = [categorie]
    if commune.strip():
        criteria["commune"] = commune.strip()[:120]
    language = i18n.page_language(request)
    alert, found, status = None, None, 200
    try:
        found = services.call("directory", "search_actors", criteria)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        alert, status, _ = _alert(exc, language)
    filters = {"q": q, "categorie": categorie, "commune": commune}
    pages = 0
    if found:
        pages = (found["total"] + found["per_page"] - 1) // found["per_page"]
    return render(
        request,
        "actors.html",
        {
            "services": {"directory": True},
            "found": found,
            "filters": filters,
            "categories": [c.value for c in ActorCategory],
            "alert": alert,
            "pages": pages,
            "page_link": lambda n: f"{LIST_PATH}?{urlencode({**filters, 'page': n})}",
            "staff": _is_staff(page_account(request)),
        },
        status=status,
    )


def _actor_response(
    request: Request,
    services: Services,
    actor_id: str,
    *,
    values: dict[str, str] | None = None,
    alert: tuple[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    try:
        actor = services.call("directory", "get_actor", actor_id)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        code, _ = domain_code(exc)
        if code == "not_found":
            return not_found(request, {"directory": True})
        raise
    account = page_account(request)
    return render(
        request,
        "actor.html",
        {
            "services": {"directory": True},
            "actor": actor,
            "editable": _may_edit(account, actor),
            "values": values or {"key": forms.new_key()},
            "alert": alert,
            "notice": notice,
        },
        status=status,
    )


@router.get(LIST_PATH + "/{actor_id}")
def actor_page(
    request: Request, actor_id: str, services: ServicesDep, envoye: str = ""
) -> Response:
    language = i18n.page_language(request)
    notice = i18n.gettext(language, SENT) if envoye else None
    return _actor_response(request, services, actor_id, notice=notice)


@router.post(CONTACT_PATH)
async def send_contact(request: Request) -> Response:
    """The contact form of an actor's page: anyone, limited per address and IP."""
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    actor_id = fields.get("target_id", "")
    language = i18n.page_language(request)
    values = {k: fields.get(k, "") for k in ("name", "email", "message", "key")}
    services = services_for(request, identity)
    limited = ratelimit.hit(request, "contact", values["email"].strip().lower() or None)
    if limited is not None:
        alert = error_text(
            "too_many_requests", {"retry_after": limited.headers["Retry-After"]}, language
        )
        return _actor_response(request, services, actor_id, values=values, alert=alert, status=429)
    payload = {
        "target_type": "actor",
        "target_id": actor_id,
        "name": values["name"].strip(),
        "email": values["email"].strip(),
        "message": values["message"].strip(),
        "language": language,
    }
    if fields.get("website"):
        payload["website"] = fields["website"]
    key = values["key"] if forms.KEY_PATTERN.match(values["key"]) else forms.new_key()
    try:
        services.call("directory", "request_contact", payload, key)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        alert, status, _ = _alert(exc, language)
        values["key"] = forms.new_key()
        return _actor_response(
            request, services, actor_id, values=values, alert=alert, status=status
        )
    return RedirectResponse(actor_path(actor_id) + "?envoye=1", 303)
