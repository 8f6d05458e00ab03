"""Contributions and moderation in the web client (issue 9), without JavaScript:

- « Proposer » (/proposer): any signed-in member proposes a place, an actor, or an edit of
  one (``?type=place|actor&cible=<id>``); POST then 303 to « Mes propositions ».
- « Mes propositions » (/mes-propositions): what became of each.
- « Modération » (/moderation): the coordinator's queue, likely duplicates flagged, approve or
  reject with a reason (emailed to the contributor).
- « Historique » (/places/{id}/historique, /actors/{id}/historique): who changed what, when.
- « Données ouvertes » (/donnees-ouvertes): the export links, and for coordinators the
  import form and its report.

Every act goes through the same RPC as the API (``routers/contributions.py``,
``routers/opendata.py``); the directory decides who may.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.directory import ActorCategory, PlaceKind, PlaceStatus
from contracts.errors import remote_error

from .. import i18n
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..i18n import N_, gettext
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import Form, refused, to_sign_in, who
from .my_bookings import services_for
from .render import page_account, render, set_flash
from .site import capabilities, domain_code, not_found, unavailable

router = APIRouter(include_in_schema=False)

PROPOSE_PATH = "/proposer"
MINE_PATH = "/mes-propositions"
QUEUE_PATH = "/moderation"
DECIDE_PATH = "/moderation/decision"
OPEN_DATA_PATH = "/donnees-ouvertes"
IMPORT_PATH = "/donnees-ouvertes/import"
FORM_PATHS = (PROPOSE_PATH, DECIDE_PATH, IMPORT_PATH)

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
NOT_STAFF = (
    N_("Accès réservé"),
    N_("Cette page est réservée à la coordination du réseau."),
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


def refusal_page(request: Request, exc: RemoteError) -> Response:
    code, params = domain_code(exc)
    if code in ("forbidden", "authentication_required"):
        language = i18n.page_language(request)
        title, detail = (gettext(language, text) for text in NOT_STAFF)
        context = {"title": title, "detail": detail}
        return render(request, "account_refused.html", context, status=403)
    return not_found(request, capabilities(request))


def queue_page(
    request: Request, services: Services, status: str, alert=None, code: int = 200
) -> Response:
    try:
        queue = services.call("directory", "list_contributions", status)
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    except RemoteError as exc:
        return refusal_page(request, exc)
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
    try:
        changes = services.call("directory", "record_history", record_type, record_id)
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    except RemoteError as exc:
        return refusal_page(request, exc)
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


def open_data_page(request: Request, report=None, alert=None, code: int = 200) -> Response:
    account = page_account(request)
    context = {
        "staff": bool(account and account["staff"]),
        "statuses": [s.value for s in PlaceStatus],
        "report": report,
        "alert": alert,
        "key": forms.new_key(),
        "services": capabilities(request),
    }
    return render(request, "open_data.html", context, status=code)


@router.get(OPEN_DATA_PATH)
def open_data(request: Request) -> Response:
    return open_data_page(request)


@router.post(IMPORT_PATH)
async def import_file(request: Request) -> Response:
    identity, values = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None:
        return to_sign_in(OPEN_DATA_PATH)
    language = i18n.page_language(request)
    key = values.get("key", "")
    key = key if forms.KEY_PATTERN.match(key) else forms.new_key()
    text = values.get("csv", "")
    try:
        report = services_for(request, identity).call("directory", "import_places", text, key)
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    except RemoteError as exc:
        code, params = domain_code(exc)
        if code in ("forbidden", "authentication_required"):
            return refusal_page(request, exc)
        return open_data_page(request, None, error_text(code, params, language), 422)
    return open_data_page(request, report)
