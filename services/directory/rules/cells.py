"""Grid cells: a search around a point or inside a box as one indexed equality.

SecantusDB answers ``$geoWithin`` by reading every record, so places and actors keep, beside
their GeoJSON point, a multikey ``cells`` list: the latitude/longitude tile holding the point
at each of ``SIZES`` (one cell per size, e.g. ``"25:537:735"`` = the 0.25° tile of row 537,
column 735). A search asks for ``cells: {$in: covering}``, the tiles of one size covering the
circle's or the box's bounding rectangle (the finest size giving at most ``MAX_CELLS``), and
the caller keeps the exact distance or box test (``filters.point_matches``) on those
candidates. Covering is a superset by construction: a point inside the rectangle has its
row and column between those of the rectangle's corners (the same ``floor`` on both sides).
Pure functions, no database."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088
# Tile sizes in hundredths of a degree (integers: no float ambiguity in a cell's name),
# finest first: 0.1°, 0.25°, 1°, 5°, 30°.
SIZES = (10, 25, 100, 500, 3000)
MAX_CELLS = 64
# A covering is widened by this much (degrees) so that rounding never loses a border point.
MARGIN_DEG = 1e-6


def _rows(size: int) -> int:
    return math.ceil(18000 / size)


def _columns(size: int) -> int:
    return math.ceil(36000 / size)


def _row(lat: float, size: int) -> int:
    """The tile row of a latitude (the north pole in the last row)."""
    row = math.floor((lat + 90.0) * 100.0 / size)
    return min(max(row, 0), _rows(size) - 1)


def _column(lon: float, size: int) -> int:
    """The tile column of a longitude, wrapped: 180° is -180°."""
    return math.floor((lon + 180.0) * 100.0 / size) % _columns(size)


def cell(lat: float, lon: float, size: int) -> str:
    return f"{size}:{_row(lat, size)}:{_column(lon, size)}"


def cells_of(lat: float, lon: float) -> list[str]:
    """The ``cells`` of a point: its tile at every size."""
    return [cell(lat, lon, size) for size in SIZES]


def _column_span(west: float, east: float, size: int) -> list[int]:
    """The columns from ``west`` to ``east`` (degrees, possibly beyond ±180: wrapped)."""
    if east - west >= 360.0:
        return list(range(_columns(size)))
    first = math.floor((west + 180.0) * 100.0 / size)
    last = math.floor((east + 180.0) * 100.0 / size)
    columns = _columns(size)
    return sorted({column % columns for column in range(first, last + 1)})


def _covering(south: float, north: float, west: float, east: float) -> list[str]:
    south, north = max(-90.0, south - MARGIN_DEG), min(90.0, north + MARGIN_DEG)
    west, east = west - MARGIN_DEG, east + MARGIN_DEG
    for size in SIZES:
        rows = range(_row(south, size), _row(north, size) + 1)
        columns = _column_span(west, east, size)
        if len(rows) * len(columns) <= MAX_CELLS or size == SIZES[-1]:
            return [f"{size}:{row}:{column}" for row in rows for column in columns]
    raise AssertionError("unreachable")  # pragma: no cover


def bounds_of_circle(lat: float, lon: float, radius_km: float) -> tuple[float, ...]:
    """(south, north, west, east) in degrees of the circle of ``radius_km`` around the point;
    every longitude when the circle reaches a pole; west/east may pass ±180 (wrapped later)."""
    angle = radius_km / EARTH_RADIUS_KM  # radians
    reach = math.degrees(angle)
    south, north = lat - reach, lat + reach
    if south <= -90.0 or north >= 90.0 or angle >= math.pi / 2:
        return max(south, -90.0), min(north, 90.0), -180.0, 540.0
    # The widest longitude of a spherical cap (not at its centre's latitude).
    ratio = math.sin(angle) / math.cos(math.radians(lat))
    if ratio >= 1.0:
        return south, north, -180.0, 540.0
    spread = math.degrees(math.asin(ratio))
    return south, north, lon - spread, lon + spread


def covering_circle(lat: float, lon: float, radius_km: float) -> list[str]:
    """Tiles of one size whose union holds every point within ``radius_km`` of the point."""
    return _covering(*bounds_of_circle(lat, lon, radius_km))


def covering_box(west: float, south: float, east: float, north: float) -> list[str]:
    """Tiles of one size whose union holds the box (``west < east``: not across 180°)."""
    return _covering(south, north, west, east)
