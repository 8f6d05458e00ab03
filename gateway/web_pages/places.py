"""The places: the list with its filters and map (``/lieux``, a GET form: works without
JavaScript, filtered and paged by the server), what a place page adds about the place itself
(its record, "open now", its hours in words, its clubs), and the coordinator's form to add a
place or edit one, its status included (``/lieux/nouveau``, ``/places/{id}/modifier``).
POST then 303; refusals beside their fields."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import opening_hours
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.directory import (
    PLACE_PAGE_SIZE,
    Equipment,
    PlaceIn,
    PlaceKind,
    PlacePatch,
    PlaceStatus,
)
from contracts.identity import Caller, TerritoryRole

from .. import i18n
from ..deps import Services, ServicesDep
from ..i18n import N_, gettext
from ..rpc_client import RemoteError, ServiceUnavailable
from .accounts import Form, refused, to_sign_in, who
from .my_bookings import services_for
from .render import render, set_flash
from .rule_words import rule_words
from .site import capabilities, domain_code, not_found, place_path, unavailable

router = APIRouter(include_in_schema=False)

LIST_PATH = "/lieux"
NEW_PATH = "/lieux/nouveau"
SAVE_PATH = "/lieux/enregistrer"  # the edit form's target (the place's id in the form)
FORM_PATHS = (NEW_PATH, SAVE_PATH)
EDIT_SUFFIX = "/modifier"
RADII = (5, 10, 20, 50, 100)

KIND_LABELS = {
    "coworking": N_("Coworking"),
    "fablab": N_("Fablab"),
    "france_services": N_("France Services"),
    "public_service_point": N_("Point d'accueil de services publics"),
    "repair_cafe": N_("Repair café"),
    "shared_shop": N_("Boutique partagée"),
    "training_centre": N_("Centre de formation"),
    "cultural": N_("Lieu culturel"),
    "food_lab": N_("Cuisine partagée"),
    "digital_mediation": N_("Médiation numérique"),
    "community_hub": N_("Lieu de vie"),
}
EQUIPMENT_LABELS = {
    "wifi": N_("Wi-Fi"),
    "fibre": N_("Fibre"),
    "printer": N_("Imprimante"),
    "visio_kit": N_("Matériel de visioconférence"),
    "printer_3d": N_("Imprimante 3D"),
    "laser_cutter": N_("Découpe laser"),
    "meeting_room": N_("Salle de réunion"),
    "kitchen": N_("Cuisine"),
    "computers": N_("Ordinateurs en accès libre"),
    "accessible": N_("Accessible en fauteuil"),
    "parking": N_("Parking"),
}
NOT_STAFF = (
    N_("Accès réservé"),
    N_("Seuls la coordination du territoire et les responsables du lieu modifient sa fiche."),
)
FIELD_TEXTS = {
    "name": N_("Indiquez le nom du lieu (160 caractères au plus)."),
    "commune": N_("Indiquez la commune."),
    "postal_code": N_("Un code postal français à 5 chiffres, par exemple 48000."),
    "insee_code": N_("Le code INSEE de la commune : 5 caractères, par exemple 48095."),
    "status": N_("Choisissez un statut."),
    "location": N_("Latitude et longitude en degrés, par exemple 44.5181 et 3.5006."),
    "opening_hours": N_(
        "Horaires au format OpenStreetMap, par exemple « Mo-Fr 09:00-17:00; Sa 09:00-12:00 »."
    ),
    "summary": N_("280 caractères au plus."),
    "website": N_("Une adresse de site complète, commençant par https://"),
    "emails": N_("Une ou plusieurs adresses e-mail, séparées par des virgules."),
    "phone": N_("Un numéro de téléphone, par exemple 04 66 49 12 34."),
    "status_since": N_("Une date, par exemple 01/12/2026."),
}
TEXT_FIELDS = ("name", "commune", "postal_code", "insee_code", "street_address")
LONG_FIELDS = ("opening_hours", "summary", "description")


def is_staff(caller: Caller) -> bool:
    return caller.admin or caller.has_role(TerritoryRole.coordinator)


def may_edit(caller: Caller, place_id: str) -> bool:
    """Who the directory lets edit the place (it decides again on the write)."""
    return is_staff(caller) or caller.manages_place(place_id)


# --- what a place page shows of the place -------------------------------------------------------
def open_now(expression: str | None, now: datetime | None = None) -> bool | None:
    """Open at this moment by the place's OSM hours (Paris time); None: unknown."""
    if not expression:
        return None
    try:
        parsed = opening_hours.OpeningHours(expression)
    except (opening_hours.ParserError, SyntaxError, ValueError):
        return None
    moment = (now or datetime.now(i18n.PARIS)).astimezone(i18n.PARIS).replace(tzinfo=None)
    return bool(parsed.is_open(moment))


SEAT_WORDS = (
    ("resident", N_("%(n)s résidents")),
    ("drop_in", N_("%(n)s de passage")),
    ("training", N_("%(n)s en formation")),
)


def seats_words(seats: dict, language: str) -> str:
    """« 6 résidents, 8 de passage »: the kinds of seats the place has."""
    parts = [gettext(language, text) % {"n": seats[k]} for k, text in SEAT_WORDS if seats.get(k)]
    return ", ".join(parts)


def since_words(since: str | None, language: str) -> str | None:
    """« jeudi 31 décembre 2026 »: the day the place's status began."""
    try:
        return i18n.format_day(date.fromisoformat(since), language, with_year=True)
    except (TypeError, ValueError):
        return None


def place_details(
    request: Request, services: Services, place: dict, running: dict[str, bool]
) -> dict[str, Any]:
    """What ``place.html`` shows of the place itself: its hours (in words, open now), its
    kinds and equipment in words, its clubs (when clubs runs), and the edit link."""
    language = i18n.page_language(request)
    hours = place.get("opening_hours")
    clubs: list[dict] | None = None
    if running.get("clubs"):
        try:
            clubs = services.call("clubs", "list_clubs", place["id"])
        except (ServiceUnavailable, RemoteError):
            clubs = None  # the place page stands without its clubs
    return {
        "hours_words": rule_words(hours, language) if hours else None,
        "open_now": open_now(hours),
        "kind_labels": [gettext(language, KIND_LABELS.get(k, k)) for k in place.get("kinds", [])],
        "equipment_labels": [
            gettext(language, EQUIPMENT_LABELS.get(e, e)) for e in place.get("equipment", [])
        ],
        "seats_words": seats_words(place.get("seats") or {}, language),
        "status_since_words": since_words(place.get("status_since"), language),
        "clubs": clubs,
        "edit_link": place_path(place["id"]) + EDIT_SUFFIX
        if may_edit(services.caller, place["id"])
        else None,
    }


# --- the list -------------------------------------------------------------------------------------
def list_filters(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the search's filters, the form's values) from the page's query; a value that does
    not parse is left out, never an error page."""
    query = request.query_params
    kinds = [k for k in query.getlist("kind") if k in PlaceKind.__members__]
    equipment = [e for e in query.getlist("equipment") if e in Equipment.__members__]
    status = query.get("status", "")
    values: dict[str, Any] = {
        "q": query.get("q", "")[:200],
        "kind": kinds,
        "equipment": equipment,
        "status": status if status in PlaceStatus.__members__ else "",
        "commune": query.get("commune", "")[:120],
        "network": query.get("network", "")[:40],
        "open_now": query.get("open_now") == "1",
        "open_on": query.get("open_on", ""),
        "lat": query.get("lat", ""),
        "lon": query.get("lon", ""),
        "radius_km": query.get("radius_km", ""),
    }
    filters: dict[str, Any] = {
        "q": values["q"] or None,
        "kind": kinds,
        "equipment": equipment,
        "status": [values["status"]] if values["status"] else [],
        "commune": values["commune"] or None,
        "network": values["network"] or None,
        "open_now": values["open_now"],
        "page_size": PLACE_PAGE_SIZE,
    }
    try:
        filters["page"] = max(1, min(int(query.get("page", "1")), 10_000))
    except ValueError:
        filters["page"] = 1
    try:
        filters["open_on"] = datetime.strptime(values["open_on"], "%Y-%m-%d").date().isoformat()
    except ValueError:
        values["open_on"] = ""
    try:
        lat, lon = float(values["lat"]), float(values["lon"])
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            filters.update(lat=lat, lon=lon)
            radius = float(values["radius_km"] or 20)
            filters["radius_km"] = radius if 0 < radius <= 500 else 20
    except ValueError:
        values.update(lat="", lon="")
    return {k: v for k, v in filters.items() if v not in (None, [], False)}, values


def page_link(request: Request, page: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return f"{LIST_PATH}?{urlencode([*params, ('page', page)])}"


@router.get(LIST_PATH)
def places_list(request: Request, services: ServicesDep) -> Response:
    running = capabilities(request)
    if not running.get("directory"):
        return unavailable(request, running)
    filters, values = list_filters(request)
    try:
        found = services.call("directory", "search_places", filters)
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        domain_code(exc)  # a filter the service refuses: the list without it
        found = {"items": [], "total": 0, "page": 1, "pages": 1, "page_size": PLACE_PAGE_SIZE}
    language = i18n.page_language(request)
    context = {
        "services": running,
        "found": found,
        "values": values,
        "kinds": [(k.value, gettext(language, KIND_LABELS[k.value])) for k in PlaceKind],
        "equipments": [(e.value, gettext(language, EQUIPMENT_LABELS[e.value])) for e in Equipment],
        "radii": RADII,
        "previous_page": page_link(request, found["page"] - 1) if found["page"] > 1 else None,
        "next_page": page_link(request, found["page"] + 1)
        if found["page"] < found["pages"]
        else None,
        "tiles_url": request.app.state.settings.map_tiles_url,
        "may_add": is_staff(services.caller),
    }
    return render(request, "places.html", context)


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
    form.values["key"] = _new_key()
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
    form = Form({**values, "key": fields.get("key") or _new_key()})
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
    form = Form({**form_values(place), "key": _new_key()})
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
    form = Form({**values, "key": fields.get("key") or _new_key()})
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


def _new_key() -> str:
    from .forms import new_key

    return new_key()
