"""The actor's form: a coordinator adds an actor (``/actors/new``), its owner or a
coordinator edits it (``/actors/{id}/edit``); both post to ``/actors/save``. The directory
decides who may; its refusals are shown above the form, with what was typed."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.directory import ActorCategory

from .. import i18n
from ..deps import ServicesDep
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .actors import LIST_PATH, _alert, _is_staff, _may_edit, actor_path
from .my_bookings import services_for
from .render import page_account, render
from .site import domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

NEW_PATH = "/actors/new"
SAVE_PATH = "/actors/save"
FORM_PATHS = (SAVE_PATH,)
# The form's fields, as the contract names them (tags: comma-separated; location: lat, lon).
TEXT_FIELDS = ("name", "trade", "commune", "postal_code", "insee_code", "summary", "website")


@router.get(NEW_PATH)
def new_actor_page(request: Request) -> Response:
    account = page_account(request)
    if account is None:
        return to_sign_in(NEW_PATH)
    if not _is_staff(account):
        return not_found(request, {"directory": True})
    return render(request, "actor_form.html", _form_context({"key": forms.new_key()}, None, None))


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
