"""The local actors' pages: the list with its filters, an actor's page with the contact form,
the owner's and the coordinator's form, the work-stay portal, and the reply page a contact
request's recipient reaches from their email. No JavaScript: links, GET filters, POST then 303.

The directory decides what a reader sees (no email nor phone unless the actor opted in) and
who may edit; these pages show its answers and its refusals in the reader's words."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.directory import PORTAL_CATEGORIES, ActorCategory
from contracts.errors import remote_error

from .. import i18n, ratelimit
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .my_bookings import services_for
from .render import page_account, render
from .site import domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

LIST_PATH = "/actors"
NEW_PATH = "/actors/new"
SAVE_PATH = "/actors/save"
CONTACT_PATH = "/contact"
REPLY_PATH = "/contact/reply"
PORTAL_PATH = "/portal"
FORM_PATHS = (SAVE_PATH, CONTACT_PATH, REPLY_PATH)
STAFF = {"admin", "coordinator"}
# The form's fields, as the contract names them (tags: comma-separated; location: lat, lon).
TEXT_FIELDS = ("name", "trade", "commune", "postal_code", "insee_code", "summary", "website")
OPTIONAL = ("insee_code", "summary", "website", "email", "phone", "service_radius_km")
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


@router.get(NEW_PATH)
def new_actor_page(request: Request) -> Response:
    account = page_account(request)
    if account is None:
        return to_sign_in(NEW_PATH)
    if not _is_staff(account):
        return not_found(request, {"directory": True})
    return render(request, "actor_form.html", _form_context({"key": forms.new_key()}, None, None))


@router.get(LIST_PATH + "/{actor_id}")
def actor_page(
    request: Request, actor_id: str, services: ServicesDep, envoye: str = ""
) -> Response:
    language = i18n.page_language(request)
    notice = i18n.gettext(language, SENT) if envoye else None
    return _actor_response(request, services, actor_id, notice=notice)


def _form_values(actor: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: actor.get(k) or "" for k in (*TEXT_FIELDS, "email", "phone")}
    values["lat"] = actor["location"]["lat"]
    values["lon"] = actor["location"]["lon"]
    values["service_radius_km"] = actor.get("service_radius_km") or ""
    values["tags"] = ", ".join(actor.get("tags") or ())
    values["categories"] = list(actor.get("categories") or ())
    values["show_contact"] = bool(actor.get("show_contact"))
    return values


def _form_context(
    values: dict[str, Any], actor_id: str | None, alert: tuple[str, str] | None
) -> dict[str, Any]:
    return {
        "services": {"directory": True},
        "values": values,
        "actor_id": actor_id,
        "categories": [c.value for c in ActorCategory],
        "alert": alert,
    }


@router.get(LIST_PATH + "/{actor_id}/edit")
def edit_actor_page(request: Request, actor_id: str, services: ServicesDep) -> Response:
    account = page_account(request)
    if account is None:
        return to_sign_in(actor_path(actor_id) + "/edit")
    try:
        actor = services.call("directory", "get_actor", actor_id)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, {"directory": True})
    if not _may_edit(account, actor):
        return not_found(request, {"directory": True})
    values = {**_form_values(actor), "key": forms.new_key()}
    return render(request, "actor_form.html", _form_context(values, actor_id, None))


def _payload(fields: dict[str, str], categories: list[str]) -> dict[str, Any]:
    """The form as the contract's fields: blanks are null; numbers read as numbers (the
    directory's contract refuses what does not parse, beside its field)."""
    payload: dict[str, Any] = {k: fields.get(k, "").strip() or None for k in TEXT_FIELDS}
    payload["email"] = fields.get("email", "").strip() or None
    payload["phone"] = fields.get("phone", "").strip() or None
    payload["categories"] = categories
    payload["tags"] = [t.strip() for t in fields.get("tags", "").split(",") if t.strip()]
    payload["show_contact"] = fields.get("show_contact") == "on"
    payload["location"] = {"lat": _number(fields.get("lat")), "lon": _number(fields.get("lon"))}
    payload["service_radius_km"] = _number(fields.get("service_radius_km"))
    return payload


def _number(text: str | None) -> float | str | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # refused by the contract, named by its field


@router.post(SAVE_PATH)
async def save_actor(request: Request) -> Response:
    """The coordinator's add form (no ``actor_id``) or the owner's and coordinator's edit."""
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    actor_id = fields.get("actor_id", "")
    if identity.member is None and not identity.caller.admin:
        return to_sign_in(actor_path(actor_id) + "/edit" if actor_id else NEW_PATH)
    categories = _categories(await request.body())
    payload = _payload(fields, categories)
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    services = services_for(request, identity)
    language = i18n.page_language(request)
    try:
        if actor_id:
            done = services.call("directory", "update_actor", actor_id, payload, key)
        else:
            new = {k: v for k, v in payload.items() if v not in (None, [], "")}
            done = services.call("directory", "create_actor", new, key)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        alert, status, params = _alert(exc, language)
        values = {**fields, "categories": categories, "show_contact": payload["show_contact"]}
        values["key"] = forms.new_key()
        context = _form_context(values, actor_id or None, alert)
        context["problems"] = [e.get("field") for e in params.get("errors") or ()]
        return render(request, "actor_form.html", context, status=status)
    return RedirectResponse(actor_path(done["id"]), 303)


def _categories(body: bytes) -> list[str]:
    """Every checked category (``read_form`` keeps one value per name)."""
    values = parse_qs(body.decode("utf-8", "replace")).get("categories", [])
    return [v for v in values if v in ActorCategory.__members__]


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


@router.get(PORTAL_PATH)
def portal_page(request: Request, services: ServicesDep, place: str = "") -> Response:
    try:
        portal = services.call("directory", "portal", place or None)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, {"directory": True})
    return render(
        request,
        "portal.html",
        {
            "services": {"directory": True},
            "portal": portal,
            "portal_categories": [c.value for c in PORTAL_CATEGORIES],
        },
    )


def _reply_response(
    request: Request,
    thread: dict[str, Any],
    token: str,
    *,
    alert: tuple[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "services": {"directory": True},
        "thread": thread,
        "token": token,
        "alert": alert,
        "values": values or {"key": forms.new_key(), "share_email": True},
    }
    return render(request, "contact_reply.html", context, status=status)


@router.get(REPLY_PATH + "/{token}")
def reply_page(request: Request, token: str, services: ServicesDep) -> Response:
    """The recipient reads the request from their email's link (the token is the right)."""
    try:
        thread = services.call("directory", "contact_request", token)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, {"directory": True})
    response = _reply_response(request, thread, token)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays out of referrers
    return response


@router.post(REPLY_PATH)
async def send_reply(request: Request) -> Response:
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    token = fields.get("token", "")
    services = services_for(request, identity)
    language = i18n.page_language(request)
    share = fields.get("share_email") == "on"
    body = {"message": fields.get("message", "").strip(), "share_email": share}
    key = fields.get("key", "")
    if not forms.KEY_PATTERN.match(key):
        key = forms.new_key()
    try:
        thread = services.call("directory", "reply_contact", token, body, key)
    except ServiceUnavailable:
        return unavailable(request, {"directory": False})
    except RemoteError as exc:
        alert, status, _ = _alert(exc, language)
        try:
            thread = services.call("directory", "contact_request", token)
        except RemoteError:
            return not_found(request, {"directory": True})
        values = {"message": body["message"], "key": forms.new_key(), "share_email": share}
        return _reply_response(request, thread, token, alert=alert, values=values, status=status)
    response = _reply_response(request, thread, token)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
