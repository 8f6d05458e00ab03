import pytest

from contracts.errors import ValidationFailed
from services.directory.rules import cells, filters


def test_text_asks_for_every_folded_word():
    assert filters.text("  Atelier MENDE ") == {"keywords": {"$all": ["atelier", "mende"]}}
    assert filters.text("") == {} and filters.text(None) == {}


def test_lists_are_sorted_and_unique():
    assert filters.any_of("kinds", ["fablab", "coworking", "fablab"]) == {
        "kinds": {"$in": ["coworking", "fablab"]}
    }
    assert filters.all_of("equipment", []) == {}


def test_radius_needs_both_coordinates_and_a_sane_radius():
    assert filters.within_radius(None, None, 10) == {}
    with pytest.raises(ValidationFailed):
        filters.within_radius(44.5, None, 10)
    with pytest.raises(ValidationFailed):
        filters.within_radius(44.5, 3.5, 0)
    near = filters.within_radius(44.5, 3.5, 10)
    assert near == {"cells": {"$in": cells.covering_circle(44.5, 3.5, 10)}}


@pytest.mark.parametrize("bad", ["1,2,3", "a,b,c,d", "5,44,3,45", "0,0,1,91"])
def test_a_bad_box_is_refused(bad):
    with pytest.raises(ValidationFailed):
        filters.inside_box(bad)


def test_a_box_asks_for_the_cells_covering_it():
    assert filters.inside_box("3,44,4,45") == {"cells": {"$in": cells.covering_box(3, 44, 4, 45)}}
    assert filters.inside_box(None) == {}


def test_the_exact_radius_and_box():
    mende, florac = (44.5181, 3.5006), (44.3241, 3.5937)
    assert filters.point_matches(florac, *mende, 23.5)
    assert not filters.point_matches(florac, *mende, 22.0)
    assert filters.point_matches(florac, bbox="3,44,4,45")
    assert not filters.point_matches(florac, bbox="3.6,44,4,45")
    assert not filters.point_matches(florac, *mende, 30, bbox="3,44.4,4,45")
    assert filters.point_matches(florac)  # no criterion


def test_a_stored_point_is_read_as_lat_lon():
    assert filters.point_of({"location": {"type": "Point", "coordinates": [3.5, 44.5]}}) == (
        44.5,
        3.5,
    )
    assert filters.point_of({"location": [3.5, 44.5]}) == (44.5, 3.5)


def test_distance_mende_to_florac_is_about_25_km():
    assert filters.distance_km(44.5181, 3.5006, 44.3241, 3.5937) == pytest.approx(22.9, abs=0.5)


def test_merge_combines_two_criteria_on_one_field():
    merged = filters.merge({"a": 1}, {"location": 1}, {"location": 2})
    assert merged == {"$and": [{"a": 1, "location": 1}, {"location": 2}]}
