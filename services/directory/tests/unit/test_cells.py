"""The grid cells: a covering never drops a point inside the circle or the box, whatever the
border, the size chosen, the antimeridian or a pole; and it stays a short ``$in``."""

import math
import random

import pytest

from services.directory.rules import cells, filters

RIEZ = (43.8186, 6.0928)


def _found(point: tuple[float, float], covering: list[str]) -> bool:
    """What the database does: the point's ``cells`` meet the ``$in`` list."""
    return bool(set(cells.cells_of(*point)) & set(covering))


def test_a_point_has_one_cell_per_size_and_they_nest():
    found = cells.cells_of(*RIEZ)
    assert [c.split(":")[0] for c in found] == [str(size) for size in cells.SIZES]
    assert found[1] == "25:535:744"  # (43.8186 + 90) / 0.25 = 535.3; (6.0928 + 180) / 0.25 = 744.4


def test_the_radius_is_covered_by_a_few_cells_of_one_size():
    covering = cells.covering_circle(*RIEZ, 30)
    assert 1 <= len(covering) <= cells.MAX_CELLS
    assert len({c.split(":")[0] for c in covering}) == 1
    assert _found(RIEZ, covering)
    assert not _found((44.5181, 3.5003), covering)  # Mende, 230 km away: not a candidate


@pytest.mark.parametrize("radius", [0.05, 1, 5, 30, 120, 500])
def test_no_point_inside_the_circle_is_dropped_even_on_a_border(radius):
    rng = random.Random(radius)
    lat, lon = RIEZ
    covering = cells.covering_circle(lat, lon, radius)
    reach = math.degrees(radius / filters.EARTH_RADIUS_KM)
    for _ in range(3000):
        # Points on the circle itself (just inside), where a wrong covering loses them first.
        bearing = rng.uniform(0, 2 * math.pi)
        p_lat = lat + reach * math.sin(bearing) * 0.999
        p_lon = lon + reach * math.cos(bearing) * 0.999 / math.cos(math.radians(lat))
        inside = filters.distance_km(lat, lon, p_lat, p_lon) <= radius
        assert not inside or _found((p_lat, p_lon), covering), (p_lat, p_lon)


def test_a_place_on_a_cell_border_is_found_from_the_next_cell():
    # 44.0 is a border at every size; the centre is just south of it, the place just north.
    centre, place = (43.9999, 5.0), (44.0, 5.0)
    assert cells.cells_of(*centre)[0] != cells.cells_of(*place)[0]
    for radius in (0.05, 1.0):
        assert _found(place, cells.covering_circle(*centre, radius))
    # Exactly on the box's edges: the four corners.
    box = cells.covering_box(4.9, 43.9, 5.1, 44.0)
    for corner in [(43.9, 4.9), (43.9, 5.1), (44.0, 4.9), (44.0, 5.1)]:
        assert _found(corner, box)


def test_no_point_inside_a_box_is_dropped():
    rng = random.Random(9)
    for _ in range(200):
        west, south = rng.uniform(-10, 10), rng.uniform(40, 50)
        east, north = west + rng.uniform(0.01, 8), south + rng.uniform(0.01, 5)
        covering = cells.covering_box(west, south, east, north)
        assert len(covering) <= cells.MAX_CELLS
        for _ in range(50):
            point = (rng.uniform(south, north), rng.uniform(west, east))
            assert _found(point, covering)


def test_across_the_antimeridian():
    assert cells.cells_of(0, 180) == cells.cells_of(0, -180)
    covering = cells.covering_circle(-17.7, 179.9, 50)  # Fiji
    assert _found((-17.7, -179.8), covering) and _found((-17.7, 179.6), covering)
    assert not _found((-17.7, 0.0), covering)


@pytest.mark.parametrize("pole", [90.0, -90.0])
def test_near_a_pole_every_longitude_is_covered(pole):
    lat = pole - math.copysign(0.2, pole)
    covering = cells.covering_circle(lat, 10.0, 100)
    for lon in (-180.0, -90.0, 0.0, 95.0, 179.99):
        assert _found((pole - math.copysign(0.1, pole), lon), covering)
    assert _found((pole, 0.0), covering)


def test_the_widest_radius_stays_a_bounded_list():
    assert len(cells.covering_circle(*RIEZ, filters.MAX_RADIUS_KM)) <= cells.MAX_CELLS
    assert len(cells.covering_box(-180, -90, 180, 90)) <= 72  # the coarsest size, whole world
