"""The coordinator's form: add a place (``/lieux/nouveau``) or edit one, its status included
(``/places/{id}/modifier``, sent to ``/lieux/enregistrer``). Read by the API's own models;
refusals beside their fields; an edit sends only what changed. POST then 303."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.directory import (
    Equipment,
    PlaceIn,
    PlaceKind,
    PlacePatch,
)

from ... import i18n
from ...deps import Services, ServicesDep
from ...i18n import N_, gettext
from ...rpc_client import RemoteError, ServiceUnavailable
from ..accounts import Form, refused, to_sign_in, who
from ..forms import new_key
from ..my_bookings import services_for
from ..render import render, set_flash
from ..site import capabilities, domain_code, not_found, place_path, unavailable
from .labels import (
    EDIT_SUFFIX,
    EQUIPMENT_LABELS,
    FIELD_TEXTS,
    KIND_LABELS,
    LONG_FIELDS,
    NEW_PATH,
    NOT_STAFF,
    SAVE_PATH,
    TEXT_FIELDS,
    is_staff,
    may_edit,
)

router = APIRouter(include_in_schema=False)


# --- the coordinator's form -------------------------------------------------------------------
def form_values(place: dict) -> dict[str, Any]:
    """A stored place as the form shows it."""
    contact = place.get("contact") or {}
    seats = place.get("seats") or {}
    values: dict[str, Any] = {k: place.get(k) or "" for k in (*TEXT_FIELDS, *LONG_FIELDS)}
    values.update(
        status=place.get("status", "open"),
        status_since=place.get("status_since") or "",
        lat=str(place["location"]["lat"]),
        lon=str(place["location"]["lon"]),
        kinds=list(place.get("kinds") or []),
        equipment=list(place.get("equipment") or []),
        networks=", ".join(place.get("networks") or []),
        phone=contact.get("phone") or "",
        emails=", ".join(contact.get("emails") or []),
        website=contact.get("website") or "",
        seats_resident=str(seats.get("resident", 0)),
        seats_drop_in=str(seats.get("drop_in", 0)),
        seats_training=str(seats.get("training", 0)),
    )
    return values


def record_from(fields: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the record as ``PlaceIn`` takes it, the form's values to show again)."""
    values: dict[str, Any] = {k: fields.get(k, "").strip() for k in (*TEXT_FIELDS, *LONG_FIELDS)}
    for k in (
        "status",
        "status_since",
        "lat",
        "lon",
        "networks",
        "phone",
        "emails",
        "website",
        "seats_resident",
        "seats_drop_in",
        "seats_training",
    ):
        values[k] = fields.get(k, "").strip()
    values["kinds"] = [k for k in PlaceKind.__members__ if fields.get(f"kind_{k}")]
    values["equipment"] = [e for e in Equipment.__members__ if fields.get(f"equipment_{e}")]

    def number(text: str) -> Any:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text  # refused by the model, beside its field

    def count(text: str) -> Any:
        return int(text) if text.isdigit() else (text if text else 0)

    record: dict[str, Any] = {
        **{k: values[k] or None for k in (*TEXT_FIELDS, *LONG_FIELDS)},
        "status": values["status"],
        "status_since": values["status_since"] or None,
        "location": {"lat": number(values["lat"]), "lon": number(values["lon"])},
        "kinds": values["kinds"],
        "equipment": values["equipment"],
        "networks": [n.strip() for n in values["networks"].split(",") if n.strip()],
        "contact": {
            "phone": values["phone"] or None,
            "emails": [e.strip() for e in values["emails"].split(",") if e.strip()],
            "website": values["website"] or None,
        },
        "seats": {
            "resident": count(values["seats_resident"]),
            "drop_in": count(values["seats_drop_in"]),
            "training": count(values["seats_training"]),
        },
    }
    return record, values


def checked(model: type, record: dict[str, Any], form: Form, language: str) -> bool:
    """``record`` read by the API's own model; its refusals become words beside fields."""
    try:
        model.model_validate(record)
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(part) for part in error.get("loc", ())]
            name = loc[0] if loc else ""
            if name in ("contact", "seats") and len(loc) > 1:
                name = {"phone": "phone", "emails": "emails", "website": "website"}.get(
                    loc[1], name
                )
            text = FIELD_TEXTS.get(name)
            form.errors.setdefault(name, gettext(language, text) if text else error.get("msg", ""))
        return False
    return True


def form_page(
    request: Request,
    form: Form,
    place: dict | None,
    status: int = 200,
) -> Response:
    language = i18n.page_language(request)
    context = {
        "form": form,
        "place": place,
        "action": SAVE_PATH if place else NEW_PATH,
        "kinds": [(k.value, gettext(language, KIND_LABELS[k.value])) for k in PlaceKind],
        "equipments": [(e.value, gettext(language, EQUIPMENT_LABELS[e.value])) for e in Equipment],
        "services": capabilities(request),
    }
    return render(request, "place_form.html", context, status=status)


def not_allowed(request: Request) -> Response:
    language = i18n.page_language(request)
    title, detail = (gettext(language, text) for text in NOT_STAFF)
    return render(request, "account_refused.html", {"title": title, "detail": detail}, status=403)


@router.get(NEW_PATH)
def new_place_page(request: Request, services: ServicesDep) -> Response:
    if services.caller.member_id is None and not services.caller.admin:
        return to_sign_in(NEW_PATH)
    if not is_staff(services.caller):
        return not_allowed(request)
    form = Form({"status": "open", "kinds": [], "equipment": []})
    form.values["key"] = new_key()
    return form_page(request, form, None)


@router.post(NEW_PATH)
async def create_place(request: Request) -> Response:
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None and not identity.caller.admin:
        return to_sign_in(NEW_PATH)
    if not is_staff(identity.caller):
        return not_allowed(request)
    language = i18n.page_language(request)
    record, values = record_from(fields)
    form = Form({**values, "key": fields.get("key") or new_key()})
    clean = {k: v for k, v in record.items() if v is not None}
    if not checked(PlaceIn, clean, form, language):
        return form_page(request, form, None, status=422)
    services = services_for(request, identity)
    return _send(request, form, None, language, services, "create_place", clean, form.values["key"])


def _existing(services: Services, place_id: str) -> dict | None | Response:
    try:
        return services.call("directory", "get_place", place_id)
    except ServiceUnavailable:
        return None
    except RemoteError as exc:
        domain_code(exc)
        return Response(status_code=404)


@router.get("/places/{place_id}" + EDIT_SUFFIX)
def edit_place_page(request: Request, place_id: str, services: ServicesDep) -> Response:
    path = place_path(place_id) + EDIT_SUFFIX
    if services.caller.member_id is None and not services.caller.admin:
        return to_sign_in(path)
    if not may_edit(services.caller, place_id):
        return not_allowed(request)
    place = _existing(services, place_id)
    if place is None:
        return unavailable(request, capabilities(request))
    if isinstance(place, Response):
        return not_found(request, capabilities(request))
    form = Form({**form_values(place), "key": new_key()})
    return form_page(request, form, place)


@router.post(SAVE_PATH)
async def edit_place(request: Request) -> Response:
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    place_id = fields.get("place_id", "")
    path = place_path(place_id) + EDIT_SUFFIX
    if identity.member is None and not identity.caller.admin:
        return to_sign_in(path)
    if not may_edit(identity.caller, place_id):
        return not_allowed(request)
    services = services_for(request, identity)
    place = _existing(services, place_id)
    if place is None:
        return unavailable(request, capabilities(request))
    if isinstance(place, Response):
        return not_found(request, capabilities(request))
    language = i18n.page_language(request)
    record, values = record_from(fields)
    form = Form({**values, "key": fields.get("key") or new_key()})
    if not checked(PlaceIn, {k: v for k, v in record.items() if v is not None}, form, language):
        return form_page(request, form, place, status=422)
    # Only what changed is sent: the edit's event and history say just that.
    before = {**place, "status_since": place.get("status_since")}
    changes = {k: v for k, v in record.items() if _differs(before.get(k), v)}
    if "status_since" in changes and "status" not in changes:
        changes.pop("status_since")  # the date goes with a status change
    if not checked(PlacePatch, changes, form, language):
        return form_page(request, form, place, status=422)
    return _send(
        request, form, place, language, services, "update_place", changes, form.values["key"]
    )


def _differs(before: Any, after: Any) -> bool:
    """A change worth sending: the order of checkboxes (kinds, equipment) is none."""
    if isinstance(after, dict) and isinstance(before, dict):
        return any(_differs(before.get(k), v) for k, v in after.items())
    if isinstance(after, list) and isinstance(before, list):
        return sorted(map(str, before)) != sorted(map(str, after))
    return (before or None) != (after or None)


def _send(
    request: Request,
    form: Form,
    place: dict | None,
    language: str,
    services: Services,
    method: str,
    record: dict[str, Any],
    key: str,
) -> Response:
    args = (record, key) if place is None else (place["id"], record, key)
    try:
        saved = services.call("directory", method, *args)
    except ServiceUnavailable:
        form.alert = (
            gettext(language, N_("Annuaire momentanément indisponible")),
            gettext(
                language,
                N_("La fiche n'a pas pu être enregistrée. Renvoyez le formulaire dans un moment."),
            ),
        )
        return form_page(request, form, place, status=503)
    except RemoteError as exc:
        code, params = domain_code(exc)
        for error in params.get("errors") or [{"field": params.get("field") or ""}]:
            name = (error.get("field") or "").split(".")[0]
            text = FIELD_TEXTS.get(name)
            form.errors.setdefault(name, gettext(language, text) if text else code)
        form.alert = (gettext(language, N_("La fiche n'est pas enregistrée")), "")
        return form_page(request, form, place, status=422)
    response = RedirectResponse(place_path(saved["id"]), 303)
    set_flash(response, "place_saved")
    return response
