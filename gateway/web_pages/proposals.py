"""« Proposer » (/proposer): any signed-in member proposes a place, an actor, or an edit of
one (``?type=place|actor&cible=<id>``), without JavaScript; POST then 303 to « Mes
propositions » (/mes-propositions), which says what became of each. The same RPC as
``POST /api/contributions``; the directory validates and decides."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.directory import ActorCategory, PlaceKind, PlaceStatus
from contracts.errors import remote_error

from .. import i18n
from ..deps import ServicesDep
from ..errors_text import error_text
from ..i18n import N_, gettext
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import Form, refused, to_sign_in, who
from .my_bookings import services_for
from .render import page_account, render, set_flash
from .site import capabilities, domain_code, unavailable

router = APIRouter(include_in_schema=False)

router = APIRouter(include_in_schema=False)

PROPOSE_PATH = "/proposer"
MINE_PATH = "/mes-propositions"

# The form's fields, by record type; what each becomes in the proposal.
PLACE_FIELDS = (
    "name",
    "commune",
    "postal_code",
    "status",
    "lat",
    "lon",
    "street_address",
    "opening_hours",
    "summary",
    "website",
    "siret",
)
ACTOR_FIELDS = (
    "name",
    "trade",
    "commune",
    "postal_code",
    "lat",
    "lon",
    "summary",
    "website",
    "siret",
)
NUMBER = N_("Un nombre est attendu, par exemple 43.82.")


def _float(value: str) -> float | None:
    try:
        return float(value.replace(",", "."))
    except ValueError:
        return None


def proposal_from(
    record_type: str, target: str, values: dict[str, str], lists: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(the proposal's ``fields``, errors by form field). An edit sends only what was filled
    in; a new record sends everything (the directory says what is missing)."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    names = PLACE_FIELDS if record_type == "place" else ACTOR_FIELDS
    for name in names:
        value = values.get(name, "").strip()
        if not value or name in ("lat", "lon", "website"):
            continue
        fields[name] = value
    lat, lon = values.get("lat", "").strip(), values.get("lon", "").strip()
    if lat or lon or not target:
        point = {"lat": _float(lat), "lon": _float(lon)}
        for name, number in point.items():
            if number is None:
                errors[name] = NUMBER
        if not errors:
            fields["location"] = point
    website = values.get("website", "").strip()
    if website:
        if record_type == "place":
            fields["contact"] = {"website": website}
        else:
            fields["website"] = website
    chosen = lists.get("kinds" if record_type == "place" else "categories", [])
    if chosen:
        fields["kinds" if record_type == "place" else "categories"] = chosen
    return fields, errors


def form_field(error_field: str) -> str:
    """The form field a directory error names (``fields.location.lat`` → ``lat``)."""
    parts = error_field.split(".")
    if parts and parts[0] == "fields":
        parts = parts[1:]
    if parts[:1] == ["location"] and len(parts) > 1:
        return parts[1]
    if parts[:1] == ["contact"]:
        return "website"
    return parts[0] if parts else ""


def propose_page(
    request: Request, record_type: str, target: str, form: Form, status: int = 200
) -> Response:
    context = {
        "record_type": record_type,
        "target": target,
        "form": form,
        "kinds": [k.value for k in PlaceKind],
        "categories": [c.value for c in ActorCategory],
        "statuses": [s.value for s in PlaceStatus],
        "key": form.values.get("key") or forms.new_key(),
        "services": capabilities(request),
    }
    return render(request, "contribution_form.html", context, status=status)


def _type(value: str) -> str:
    return value if value in ("place", "actor") else "place"


@router.get(PROPOSE_PATH)
def new_proposal(request: Request, type: str = "place", cible: str = "") -> Response:
    record_type = _type(type)
    if page_account(request) is None:
        query = urlencode({"type": record_type, **({"cible": cible} if cible else {})})
        return to_sign_in(f"{PROPOSE_PATH}?{query}")
    return propose_page(request, record_type, cible, Form({"status": "open"}))


@router.post(PROPOSE_PATH)
async def send_proposal(request: Request) -> Response:
    identity, values = await who(request)
    if identity is None:
        return refused(request)
    record_type, target = _type(values.get("type", "")), values.get("cible", "").strip()
    if identity.member is None:
        return to_sign_in(PROPOSE_PATH)
    language = i18n.page_language(request)
    lists = parse_qs((await request.body()).decode("utf-8", "replace"))
    form = Form(
        {**values, "kinds": lists.get("kinds", []), "categories": lists.get("categories", [])}
    )
    fields, errors = proposal_from(record_type, target, values, lists)
    for name, text in errors.items():
        form.errors[name] = gettext(language, text)
    if not errors:
        payload = {"type": record_type, "fields": fields}
        if target:
            payload["target_id"] = target
        note = values.get("note", "").strip()
        if note:
            payload["note"] = note
        key = values.get("key", "")
        key = key if forms.KEY_PATTERN.match(key) else forms.new_key()
        try:
            services_for(request, identity).call("directory", "submit_contribution", payload, key)
            return set_flash(RedirectResponse(MINE_PATH, 303), "contribution_sent")
        except ServiceUnavailable:
            return unavailable(request, capabilities(request))
        except RemoteError as exc:
            code, params = domain_code(exc)
            for error in params.get("errors", []):
                form.errors.setdefault(form_field(error["field"]), error["message"])
            form.alert = error_text(code, params, language)
            return propose_page(request, record_type, target, form, remote_status(exc))
    form.alert = (
        error_text("validation_failed", {}, language)[0],
        gettext(language, forms.FIX_FIELDS),
    )
    return propose_page(request, record_type, target, form, 422)


def remote_status(exc: RemoteError) -> int:
    known = remote_error(exc.exc_args)[0]
    return known.status if known else 500


@router.get(MINE_PATH)
def my_proposals(request: Request, services: ServicesDep) -> Response:
    if page_account(request) is None:
        return to_sign_in(MINE_PATH)
    try:
        mine = services.call("directory", "my_contributions")
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    context = {"contributions": mine, "services": capabilities(request)}
    return render(request, "my_contributions.html", context)
