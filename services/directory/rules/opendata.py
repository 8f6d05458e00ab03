"""The national "lieux de médiation numérique" schema (TableSchema v1.0.2), both ways: a place
as an export row, and an import row as a place. Pure functions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import opening_hours

from contracts.directory import PlaceIn, PlaceKind, PlaceStatus
from services.common.validation import fingerprint

# The schema's columns, in its order (the export writes them all, empty when unknown).
COLUMNS = (
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)
REQUIRED = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")
SEPARATOR = "|"
SOURCE = "Maillage"
NO_PIVOT = "00000000000000"  # the schema's habit for a place without SIRET or RNA

# PlaceKind → the schema's ``typologie`` codes (data.inclusion typologies); a kind without an
# equivalent adds nothing.
TYPOLOGIE = {
    PlaceKind.coworking: "TIERS_LIEUX",
    PlaceKind.community_hub: "TIERS_LIEUX",
    PlaceKind.shared_shop: "TIERS_LIEUX",
    PlaceKind.food_lab: "TIERS_LIEUX",
    PlaceKind.repair_cafe: "TIERS_LIEUX",
    PlaceKind.cultural: "TIERS_LIEUX",
    PlaceKind.fablab: "FABLAB",
    PlaceKind.france_services: "RFS",
    PlaceKind.public_service_point: "PIJ_BIJ",
    PlaceKind.training_centre: "CFP",
}
# Back from a code when importing (MSAP: the former name of France Services).
KINDS = {
    "TIERS_LIEUX": PlaceKind.community_hub,
    "FABLAB": PlaceKind.fablab,
    "RFS": PlaceKind.france_services,
    "MSAP": PlaceKind.france_services,
    "PIJ_BIJ": PlaceKind.public_service_point,
    "CFP": PlaceKind.training_centre,
}
PHONE = re.compile(r"^\+33\d{6,9}$")


def typologie(kinds: list[str]) -> str:
    codes = {TYPOLOGIE[PlaceKind(k)] for k in kinds or () if PlaceKind(k) in TYPOLOGIE}
    return SEPARATOR.join(sorted(codes))


def telephone(phone: str | None) -> str:
    """A French number as the schema wants it (``+33`` and digits), or empty."""
    if not phone:
        return ""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return digits if PHONE.match(digits) else ""


def horaires(expression: str | None) -> str:
    """The OSM ``opening_hours`` expression, parsed (the schema does not check it): exported
    only when the parser accepts it, on one line."""
    if not expression:
        return ""
    try:
        opening_hours.OpeningHours(expression)
    except (opening_hours.ParserError, SyntaxError, ValueError):
        return ""
    return " ".join(expression.split())


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _clean(value: str) -> str:
    """The schema's list separator may not appear inside one value."""
    return value.replace(SEPARATOR, " ")


def place_row(place: dict[str, Any], updated: date | datetime | None = None) -> dict[str, Any]:
    """One place (as ``PlaceOut``, or as stored) as a row of the schema; every column, empty
    when unknown. ``adresse`` is required: the commune stands in for a place without a street
    address (a project noted with its commune only)."""
    location = place.get("location") or {}
    if "coordinates" in location:
        lon, lat = location["coordinates"]
    else:
        lat, lon = location.get("lat"), location.get("lon")
    contact = place.get("contact") or {}
    when = updated or date.today()
    if isinstance(when, datetime):
        when = when.astimezone(UTC).date() if when.tzinfo else when.date()
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        {
            "id": str(place.get("id") or place.get("_id")),
            "pivot": place.get("siret") or place.get("rna") or NO_PIVOT,
            "nom": one_line(place["name"]),
            "commune": one_line(place["commune"]),
            "code_postal": place["postal_code"],
            "code_insee": place.get("insee_code") or "",
            "adresse": one_line(place.get("street_address")) or one_line(place["commune"]),
            "latitude": lat if lat is not None else "",
            "longitude": lon if lon is not None else "",
            "typologie": typologie(place.get("kinds") or []),
            "telephone": telephone(contact.get("phone")),
            "courriels": SEPARATOR.join(_clean(e) for e in contact.get("emails") or []),
            "site_web": _clean(str(contact.get("website") or "")),
            "horaires": horaires(place.get("opening_hours")),
            "presentation_resume": one_line(place.get("summary"))[:280],
            "presentation_detail": place.get("description") or "",
            "source": SOURCE,
            "date_maj": when.isoformat(),
        }
    )
    return row


def feature(row: dict[str, Any]) -> dict[str, Any] | None:
    """A GeoJSON Feature of an export row (None without coordinates)."""
    if row.get("latitude") in ("", None) or row.get("longitude") in ("", None):
        return None
    properties = {k: v for k, v in row.items() if k not in ("latitude", "longitude") and v != ""}
    point = {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]}
    return {"type": "Feature", "id": row["id"], "geometry": point, "properties": properties}


# -- import --------------------------------------------------------------------------------
# PlaceIn's fields back to the CSV column a person sees in the report.
COLUMN_OF = {
    "name": "nom",
    "commune": "commune",
    "postal_code": "code_postal",
    "insee_code": "code_insee",
    "street_address": "adresse",
    "location": "latitude",
    "location.lat": "latitude",
    "location.lon": "longitude",
    "kinds": "typologie",
    "opening_hours": "horaires",
    "contact.phone": "telephone",
    "contact.emails": "courriels",
    "contact.website": "site_web",
    "summary": "presentation_resume",
    "description": "presentation_detail",
    "siret": "pivot",
    "rna": "pivot",
}


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(SEPARATOR) if part.strip()]


def _number(value: str | None, column: str) -> float:
    try:
        return float((value or "").strip().replace(",", "."))
    except ValueError:
        raise RowError(column, "a number is expected") from None


class RowError(ValueError):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def row_place(row: dict[str, str | None]) -> dict[str, Any]:
    """An import row as a ``PlaceIn`` payload (JSON-ready), or ``RowError``. Maillage needs the
    coordinates (its map and its search by distance), which the schema leaves optional."""
    for column in REQUIRED:
        if not (row.get(column) or "").strip():
            raise RowError(column, "required")
    if not (row.get("latitude") or "").strip() or not (row.get("longitude") or "").strip():
        raise RowError("latitude", "latitude and longitude are needed to place it on the map")
    pivot = (row.get("pivot") or "").strip()
    payload: dict[str, Any] = {
        "name": row["nom"].strip(),
        "commune": row["commune"].strip(),
        "postal_code": row["code_postal"].strip(),
        "status": PlaceStatus.open.value,
        "location": {
            "lat": _number(row.get("latitude"), "latitude"),
            "lon": _number(row.get("longitude"), "longitude"),
        },
        "street_address": row["adresse"].strip(),
    }
    kinds = sorted({KINDS[c].value for c in _list(row.get("typologie")) if c in KINDS})
    if (row.get("services") or "").strip():
        kinds = sorted({*kinds, PlaceKind.digital_mediation.value})
    optional = {
        "insee_code": (row.get("code_insee") or "").strip() or None,
        "kinds": kinds or None,
        "opening_hours": (row.get("horaires") or "").strip() or None,
        "summary": (row.get("presentation_resume") or "").strip() or None,
        "description": (row.get("presentation_detail") or "").strip() or None,
        "siret": pivot if re.fullmatch(r"\d{14}", pivot) and pivot != NO_PIVOT else None,
        "rna": pivot if re.fullmatch(r"W\d{9}", pivot) else None,
    }
    payload.update({k: v for k, v in optional.items() if v is not None})
    contact = {
        "phone": (row.get("telephone") or "").strip() or None,
        "emails": _list(row.get("courriels")) or None,
        "website": (_list(row.get("site_web")) or [None])[0],
    }
    contact = {k: v for k, v in contact.items() if v is not None}
    if contact:
        payload["contact"] = contact
    return payload


def validate_row(row: dict[str, str | None]) -> dict[str, Any]:
    """``row_place`` then ``PlaceIn``: the payload, or ``RowError`` naming the CSV column."""
    from pydantic import ValidationError

    payload = row_place(row)
    try:
        return PlaceIn.model_validate(payload).model_dump(mode="json", exclude_unset=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(p) for p in first["loc"][:2])
        column = COLUMN_OF.get(field) or COLUMN_OF.get(str(first["loc"][0])) or field
        raise RowError(column, first["msg"]) from None


def row_digest(row: dict[str, str | None]) -> str:
    return fingerprint({k: (v or "").strip() for k, v in row.items() if k})[:16]
