"""The funders' figures of a month (booking service, services/booking/figures.py):

- ``GET /api/places/{place_id}/figures`` and ``GET /api/figures`` (the territory: its totals
  and each place): aggregates, for anyone signed in; small audience and commune counts are
  grouped unless the caller manages the place or is territory staff (the service decides);
- ``GET /api/places/{place_id}/figures.csv`` and ``GET /api/figures.csv``: one row per
  booking (no name, no contact), for the place's managers and territory staff (the
  territory's: territory staff).

The CSV is written for a French spreadsheet opened by a double click: UTF-8 with a BOM (or
Excel reads the communes' accents as Windows-1252), ``;`` between fields (the list separator
of the French locale; a ``,`` would put each row in one cell) and a decimal comma in
``hours`` (``1,5``; ``1.5`` would read as a date or text). LibreOffice and pandas
(``sep=";", decimal=","``) read it as well. Column names and codes stay as in the API.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from contracts.booking import FigureRow, PlaceFigures, TerritoryFigures

from ..deps import ServicesDep

router = APIRouter(tags=["figures"])

# YYYY-MM; the service says ``bad_month`` for what the pattern lets through (2026-13).
Month = Annotated[str | None, Query(max_length=7, pattern=r"^\d{4}-\d{2}$")]
COLUMNS = list(FigureRow.model_fields)
CSV_ANSWERS = {
    200: {"content": {"text/csv": {}}, "description": "One row per booking, `;`-separated"},
    403: {"description": "Not a manager of the place nor territory staff (`forbidden`)"},
}
BOM = "\ufeff"


@router.get("/places/{place_id}/figures", response_model=PlaceFigures)
def place_figures(place_id: str, services: ServicesDep, month: Month = None) -> dict[str, Any]:
    """A place's month (``month=YYYY-MM``, by default the current one, Europe/Paris): per
    resource its open hours, booked hours and occupancy; bookings, unique visitors by
    audience and commune, outcomes, online vs on behalf. Anyone signed in."""
    return services.call("booking", "place_figures", place_id, month)


@router.get("/figures", response_model=TerritoryFigures)
def territory_figures(services: ServicesDep, month: Month = None) -> dict[str, Any]:
    """The territory's month: its totals (a visitor of two places counted once) and each
    place's figures. Anyone signed in."""
    return services.call("booking", "territory_figures", month)


@router.get("/places/{place_id}/figures.csv", response_class=Response, responses=CSV_ANSWERS)
def place_figures_csv(place_id: str, services: ServicesDep, month: Month = None) -> Response:
    """A place's bookings of the month, one row each: its managers and territory staff."""
    rows = services.call("booking", "figure_rows", month, place_id)
    return _csv(rows, f"chiffres-{place_id}-{month or 'mois'}.csv")


@router.get("/figures.csv", response_class=Response, responses=CSV_ANSWERS)
def territory_figures_csv(services: ServicesDep, month: Month = None) -> Response:
    """The territory's bookings of the month, one row each: territory staff only."""
    rows = services.call("booking", "figure_rows", month, None)
    return _csv(rows, f"chiffres-territoire-{month or 'mois'}.csv")


def _cell(column: str, value: Any) -> str:
    if column == "hours":
        return f"{float(value):.2f}".replace(".", ",")
    return "" if value is None else str(value)


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The rows as the CSV's text (see the module's doc for its dialect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(c, row.get(c)) for c in COLUMNS])
    return BOM + out.getvalue()


def _csv(rows: list[dict[str, Any]], filename: str) -> Response:
    return Response(
        csv_text(rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
