"""Open data: the places as CSV in the national "lieux de médiation numérique" schema and as
GeoJSON, with the same filters as ``GET /api/places``; the import of such a CSV
(coordinators, ``Content-Type: text/csv``)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response

from contracts.directory import ImportReport, PlaceKind, PlaceStatus

from ..deps import IdempotencyKey, ServicesDep
from ..problems import ProblemException

router = APIRouter(tags=["open data"])

# The national schema's columns, in its order (services/directory/rules/opendata.py COLUMNS
# is the directory's copy; the gateway writes what the service returns, in this order).
CSV_NAME = "lieux-maillage.csv"


def export_filters(
    q: str | None = Query(None, max_length=200),
    kind: list[PlaceKind] = Query([]),
    equipment: list[str] = Query([]),
    status: list[PlaceStatus] = Query([]),
    commune: list[str] = Query([]),
    network: list[str] = Query([]),
    lat: float | None = Query(None, ge=-90, le=90),
    lon: float | None = Query(None, ge=-180, le=180),
    radius_km: float | None = Query(None, gt=0, le=500),
    bbox: str | None = Query(None, max_length=100),
) -> dict[str, Any]:
    """The filters of ``GET /api/places`` that a file can follow (``open_now`` and ``page``
    are about a moment and a screen, not a data set)."""
    found = {
        "q": q,
        "kind": [k.value for k in kind],
        "equipment": equipment,
        "status": [s.value for s in status],
        "commune": commune,
        "network": network,
        "lat": lat,
        "lon": lon,
        "radius_km": radius_km,
        "bbox": bbox,
    }
    return {k: v for k, v in found.items() if v not in (None, [], "")}


Filters = Annotated[dict[str, Any], Depends(export_filters)]


def as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def as_geojson(rows: list[dict[str, Any]]) -> dict[str, Any]:
    features = []
    for row in rows:
        if row.get("latitude") in ("", None) or row.get("longitude") in ("", None):
            continue
        properties = {
            k: v for k, v in row.items() if k not in ("latitude", "longitude") and v != ""
        }
        point = {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]}
        features.append(
            {"type": "Feature", "id": row["id"], "geometry": point, "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/places.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The national schema's CSV"}},
)
def places_csv(filters: Filters, services: ServicesDep) -> Response:
    """Every place the filters find, one row each, in the national "lieux de médiation
    numérique" schema v1.0.2 (UTF-8, comma, lists separated by ``|``)."""
    rows = services.call("directory", "export_places", filters)
    return Response(
        as_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{CSV_NAME}"'},
    )


@router.get(
    "/places.geojson",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}, "description": "GeoJSON"}},
)
def places_geojson(filters: Filters, services: ServicesDep) -> Response:
    """The same places as a GeoJSON FeatureCollection (properties: the schema's columns)."""
    rows = services.call("directory", "export_places", filters)
    body = json.dumps(as_geojson(rows), ensure_ascii=False)
    return Response(body, media_type="application/geo+json")


@router.post("/places/import", response_model=ImportReport)
def import_places(
    services: ServicesDep,
    key: IdempotencyKey,
    body: Annotated[bytes, Body(media_type="text/csv")],
) -> dict[str, Any]:
    """Coordinators: create or update places from a CSV in the national schema (UTF-8).
    The same row is the same place: importing the same file again changes nothing. The report
    lists each rejected row (line, column, why)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemException(422, "validation_failed", field="csv", reason="not UTF-8") from None
    return services.call("directory", "import_places", text, key)
