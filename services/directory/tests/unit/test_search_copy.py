"""The searches' copy of the places (``snapshot.py``) and the filters evaluated in memory
(``rules.matching``): the same answers as the database gives (mongomock evaluates each
filter ``search_query`` writes), and a copy that follows every write through its counter."""

from __future__ import annotations

import random

import mongomock
import pytest

from contracts.directory import PlaceSearch
from services.common.text import fold
from services.directory import snapshot
from services.directory.rules import matching
from services.directory.rules.cells import cells_of
from services.directory.rules.places import search_query

KINDS = ["coworking", "fablab", "france_services", "repair_cafe"]
EQUIPMENT = ["wifi", "fibre", "printer", "visio"]
WORDS = ["atelier", "riez", "verdon", "numerique", "cafe", "lozere"]


def a_place(rng: random.Random, n: int) -> dict:
    lat, lon = 43.8 + rng.uniform(-0.6, 0.6), 6.1 + rng.uniform(-0.6, 0.6)
    keywords = rng.sample(WORDS, rng.randint(0, 3))
    return {
        "_id": f"p{n:04d}",
        "name_key": rng.choice(["atelier", "b", None, "cafe"]) if n % 7 else None,
        "keywords": keywords + [w[:3] for w in keywords],
        "kinds": rng.sample(KINDS, rng.randint(0, 2)),
        "equipment": rng.sample(EQUIPMENT, rng.randint(0, 3)),
        "status": rng.choice(["open", "project", "closed"]),
        "commune_key": rng.choice(["riez", "mende", "nyons"]),
        "network_keys": rng.sample(["solozere", "sud tiers lieux"], rng.randint(0, 2)),
        "location": {"type": "Point", "coordinates": [lon, lat]},
        "cells": cells_of(lat, lon),
    }


SEARCHES = [
    {},
    {"q": "cafe"},
    {"q": "riez verdon"},
    {"kind": ["fablab"]},
    {"kind": ["fablab", "coworking"], "equipment": ["wifi", "printer"]},
    {"status": ["open", "project"], "commune": "Riez"},
    {"network": "SoLozère"},
    {"lat": 43.8, "lon": 6.1, "radius_km": 25},
    {"lat": 43.8, "lon": 6.1, "radius_km": 25, "kind": ["coworking"], "q": "caf"},
    {"bbox": "5.9,43.6,6.3,44.0"},
    {"bbox": "5.9,43.6,6.3,44.0", "lat": 43.9, "lon": 6.0, "radius_km": 10},
]


@pytest.mark.parametrize("criteria", SEARCHES, ids=[str(c) for c in SEARCHES])
def test_the_copy_finds_what_the_database_finds_in_the_same_order(criteria):
    rng = random.Random(7)
    docs = [a_place(rng, n) for n in range(400)]
    collection = mongomock.MongoClient().db.places
    collection.insert_many([dict(d) for d in docs])
    query, sort = search_query(PlaceSearch.model_validate(criteria))
    expected = [d["_id"] for d in collection.find(query).sort(sort)]
    copy = snapshot.load(collection, {}, (0, "db", "places", 0))
    found = [d for d in copy.candidates(matching.cells_of(query)) if matching.matches(query, d)]
    assert [d["_id"] for d in sorted(found, key=matching.sort_key(sort))] == expected
    # The search's own path: the cells read, narrowed by an index of kinds and status.
    narrowed = snapshot.find(collection, {}, query, ("kinds", "status"))
    assert [d["_id"] for d in sorted(narrowed, key=matching.sort_key(sort))] == expected
    assert expected  # something to find: a copy that finds nothing fails
    if criteria:
        assert len(expected) < len(docs)  # and something to leave out


def test_list_fields_match_an_item_and_unknown_operators_are_refused():
    doc = {"kinds": ["fablab", "coworking"], "status": "open"}
    assert matching.matches({"kinds": "fablab"}, doc)
    assert matching.matches({"kinds": {"$all": ["fablab", "coworking"]}}, doc)
    assert not matching.matches({"kinds": {"$all": ["fablab", "repair_cafe"]}}, doc)
    assert matching.matches({"status": {"$in": ["open", "closed"]}}, doc)
    assert not matching.matches({"$and": [{"status": "open"}, {"kinds": "x"}]}, doc)
    with pytest.raises(matching.UnsupportedFilter):
        matching.matches({"status": {"$ne": "open"}}, doc)
    with pytest.raises(matching.UnsupportedFilter):
        matching.matches({"$or": []}, doc)


def test_the_copy_is_read_once_and_reloaded_when_the_counter_moves():
    collection = mongomock.MongoClient().db.places
    collection.insert_one({"_id": "a", "name_key": "a", "cells": ["c1"]})
    first = snapshot.snapshot(collection, {})
    assert snapshot.snapshot(collection, {}) is first  # nothing changed: the same copy
    collection.insert_one({"_id": "b", "name_key": "b", "cells": ["c1", "c2"]})
    assert [d["_id"] for d in snapshot.snapshot(collection, {}).docs] == ["a"]  # not told
    snapshot.bump(collection)
    again = snapshot.snapshot(collection, {})
    assert again is not first and [d["_id"] for d in again.candidates(["c2"])] == ["b"]
    assert [d["_id"] for d in again.candidates(None)] == ["a", "b"]


def test_each_database_has_its_own_copy():
    client = mongomock.MongoClient()
    one, other = client.one.places, client.other.places
    one.insert_one({"_id": "a"})
    other.insert_one({"_id": "b"})
    assert [d["_id"] for d in snapshot.snapshot(one, {}).docs] == ["a"]
    assert [d["_id"] for d in snapshot.snapshot(other, {}).docs] == ["b"]


def test_folded_values_are_compared_as_stored():
    assert fold("SoLozère") == "solozere"
    doc = {"network_keys": ["solozere"]}
    assert matching.matches({"network_keys": fold("SoLozère")}, doc)
