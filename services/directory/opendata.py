"""Open data (issue 9): the places as rows of the national "lieux de médiation numérique"
schema (the gateway writes them as CSV or GeoJSON), and the import of such a CSV.

- ``export_rows(filters)``: the places the same filters as ``GET /api/places`` find
  (``places.search_query(filters)``, dir-places' query builder), as schema rows.
- ``import_places(csv_text, key, events, who)``: coordinators; each valid row creates or
  updates one place through ``places.apply_create``/``apply_update``; the same row is the same
  place (by its ``id`` column: a place's own id, or the id an earlier import gave it), so a
  second import of the same file changes nothing. Rejected rows are reported with their line,
  column and why. Each change is in the place's history as ``import``.
"""

from __future__ import annotations

import csv
import importlib
import io
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from contracts.errors import ValidationFailed
from contracts.identity import Caller
from services.common.identity import require
from services.common.outbox import EventStager

from . import history
from .models import ImportedRow, Place
from .rules import filters as f
from .rules import moderation, opendata

MAX_ROWS = 5000


def search_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The MongoDB filter of ``GET /api/places``'s filters: dir-places' ``search_query`` when
    present (the one the list uses), else the same filters built here from ``rules.filters``."""
    try:
        places = importlib.import_module(f"{__package__}.places")
        return places.search_query(filters)
    except (ImportError, AttributeError):
        pass
    listed = {k: v if isinstance(v, list) else [v] for k, v in filters.items() if v}
    return f.merge(
        f.text(filters.get("q")),
        f.any_of("kinds", listed.get("kind")),
        f.all_of("equipment", listed.get("equipment")),
        f.any_of("status", listed.get("status")),
        f.any_of("commune", listed.get("commune")),
        f.any_of("networks", listed.get("network")),
        f.within_radius(filters.get("lat"), filters.get("lon"), filters.get("radius_km")),
        f.inside_box(filters.get("bbox")),
    )


def export_rows(filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every place the filters find, as rows of the national schema, by name."""
    query = search_query(filters or {})
    found = Place._get_collection().find(query).sort("name", 1).limit(50_000)
    chosen = filters or {}
    rows = []
    for doc in found:
        if not _located(doc, chosen):
            continue
        when = doc.get("updated_at") or doc.get("created_at")
        rows.append(opendata.place_row({**doc, "id": str(doc["_id"])}, when))
    return rows


def _located(doc: dict[str, Any], chosen: dict[str, Any]) -> bool:
    """The exact radius and box (the query's grid cells are a superset)."""
    return f.point_matches(
        f.point_of(doc),
        chosen.get("lat"),
        chosen.get("lon"),
        chosen.get("radius_km"),
        chosen.get("bbox"),
    )


# -- import --------------------------------------------------------------------------------
def _appliers():
    places = importlib.import_module(f"{__package__}.places")
    return places.apply_create, places.apply_update


def _target(row_id: str) -> str | None:
    """The place this row is: a place's own id (an export of ours), or an earlier import's."""
    try:
        if Place.objects(id=ObjectId(row_id)).only("id").first():
            return row_id
    except (InvalidId, TypeError):
        pass
    known = ImportedRow.objects(id=row_id).first()
    return known.place_id if known else None


def _changes(stored: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``payload`` that differ from the stored place (status excepted: an
    import does not reopen a closed place; kinds only added, as the schema's ``typologie``
    has no code for some)."""
    changed = {}
    for field, value in payload.items():
        if field == "status":
            continue
        current = stored.get(field)
        if field == "location" and current:
            lat, lon = moderation.point_of(stored)
            current = {"lat": lat, "lon": lon}
        if field == "kinds":  # the schema cannot say every kind: an import adds, never removes
            value = sorted({*(current or []), *value})
            current = sorted(current or [])
        if current != value:
            changed[field] = value
    return changed


def import_places(csv_text: str, key: str, events: EventStager, who: Caller) -> dict:
    require(moderation.may_moderate(who), who, "import places", "place")
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = [c for c in opendata.REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed("columns missing", field="csv", missing=missing)
    report: dict[str, Any] = {"created": 0, "updated": 0, "unchanged": 0, "rejected": []}
    for number, row in enumerate(reader, start=2):  # the header is line 1
        if number - 1 > MAX_ROWS:
            report["rejected"].append({"row": number, "field": None, "message": "too many rows"})
            break
        try:
            payload = opendata.validate_row(row)
        except opendata.RowError as error:
            rejected = {"row": number, "field": error.field, "message": error.message}
            report["rejected"].append(rejected)
            continue
        row_id = row["id"].strip()
        write_key = f"import:{row_id}:{opendata.row_digest(row)}"
        place_id = _target(row_id)
        create, update = _appliers()
        if place_id is None:
            data = moderation.RECORD_MODELS["place"].model_validate(payload)
            place = create(data, write_key, events, who)
            place_id = str(place["id"])
            ImportedRow.objects(id=row_id).update_one(
                upsert=True, set__place_id=place_id, set__digest=write_key
            )
            history.record("place", place_id, write_key, who, "import", {}, payload)
            history.tag("place", place_id, write_key, action="import")
            report["created"] += 1
            continue
        stored = Place._get_collection().find_one({"_id": ObjectId(place_id)}) or {}
        changes = _changes(stored, payload)
        if not changes:
            report["unchanged"] += 1
            continue
        before = {k: stored.get(k) for k in changes}
        update(place_id, changes, write_key, events, who)
        history.record("place", place_id, write_key, who, "import", before, changes)
        history.tag("place", place_id, write_key, action="import")
        report["updated"] += 1
    return report
