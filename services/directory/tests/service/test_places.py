"""Places against RabbitMQ and SecantusDB: the search (keywords, lists, radius sorted by
distance, box, opening hours, pages) and an edit with its events, through real RPC."""

from __future__ import annotations

import pytest
from bson import ObjectId
from nameko.exceptions import RemoteError

from services.common.tests.callers import VERONIQUE
from services.directory.service import DirectoryService
from tests.samples import PLACE
from tests.support import EventTap, error_code

MENDE = {
    **PLACE,
    "name": "L'Atelier",
    "commune": "Mende",
    "postal_code": "48000",
    "insee_code": "48095",
    "location": {"lat": 44.5181, "lon": 3.5006},
    "kinds": ["coworking", "fablab"],
    "equipment": ["wifi", "fibre", "printer_3d"],
    "networks": ["SoLozère"],
    "opening_hours": "Mo-Su 00:00-24:00",
}
FLORAC = {
    **MENDE,
    "name": "Tiers-lieu de Florac",
    "commune": "Florac-Trois-Rivières",
    "postal_code": "48400",
    "insee_code": "48061",
    "location": {"lat": 44.3244, "lon": 3.5934},
    "kinds": ["france_services"],
    "equipment": ["wifi"],
    "opening_hours": "Mo-Su 00:00-00:01",  # open a minute a day: never now, in practice
}
LANGOGNE = {
    **MENDE,
    "name": "France Services de Langogne",
    "commune": "Langogne",
    "postal_code": "48300",
    "insee_code": "48080",
    "status": "project",
    "location": {"lat": 44.7275, "lon": 3.8553},
    "kinds": ["france_services", "digital_mediation"],
    "equipment": [],
    "opening_hours": None,
}

# Two places around a point just south of 42°N, a border of the 0.1°, 0.25° and 1° grid
# cells: the first across the border within 1 km (dropped by a covering of the point's own
# cell), the second in a covering cell but 1.04 km away (kept without the exact distance).
BORDER_CENTRE = (41.9991, 9.0)
ACROSS = {
    **LANGOGNE,
    "name": "Atelier du Col",
    "commune": "Corte",
    "postal_code": "20250",
    "insee_code": "2B096",
    "status": "closed",
    "location": {"lat": 42.0005, "lon": 9.0},
    "kinds": ["repair_cafe"],
    "networks": [],
}
BEYOND = {**ACROSS, "name": "Ressourcerie du Col", "location": {"lat": 42.0, "lon": 9.0125}}


@pytest.fixture
def directory(start_service):
    return start_service(DirectoryService)


def names(page: dict) -> list[str]:
    return [p["name"] for p in page["items"]]


def test_the_search(directory, coordinator, rpc_client):
    """One territory for every criterion (a service start per test is the cost)."""
    for key, record in (("mende", MENDE), ("florac", FLORAC), ("langogne", LANGOGNE)):
        coordinator.directory.create_place(record, f"lozere-{key}")
    coordinator.directory.create_place(PLACE, "riez")
    coordinator.directory.create_place(ACROSS, "corte-across")
    coordinator.directory.create_place(BEYOND, "corte-beyond")
    search = rpc_client.directory.search_places
    # Text, lists, network and status.
    assert names(search({"q": "atel mende"})) == ["L'Atelier"]  # a prefix, accents folded
    assert names(search({"q": "france services"})) == [
        "France Services de Langogne",
        "Tiers-lieu de Florac",  # its kind's words
    ]
    assert names(search({"kind": ["fablab", "france_services"], "status": ["open"]})) == [
        "L'Atelier",
        "Tiers-lieu de Florac",
    ]
    assert names(search({"equipment": ["wifi", "fibre"]})) == ["L'Atelier"]
    assert len(search({"network": "solozere"})["items"]) == 3  # case and accents folded
    assert names(search({"commune": "florac trois rivieres"})) == ["Tiers-lieu de Florac"]

    # Around a point, sorted by distance; inside a box.
    found = search({"lat": 44.5181, "lon": 3.5006, "radius_km": 40})
    assert names(found) == ["L'Atelier", "Tiers-lieu de Florac", "France Services de Langogne"]
    assert found["items"][0]["distance_km"] == 0
    assert 20 < found["items"][1]["distance_km"] < 25
    assert names(search({"lat": 44.5181, "lon": 3.5006, "radius_km": 10})) == ["L'Atelier"]
    box = "5.9,43.7,6.2,43.9"  # the plateau de Valensole
    assert names(search({"bbox": box})) == ["Tiers-lieu de Riez"]
    # Near a grid cell's border: the database's cells, then the exact distance and box.
    lat, lon = BORDER_CENTRE
    assert names(search({"lat": lat, "lon": lon, "radius_km": 1})) == ["Atelier du Col"]
    assert names(search({"lat": lat, "lon": lon, "radius_km": 1.1})) == [
        "Atelier du Col",
        "Ressourcerie du Col",
    ]
    assert names(search({"bbox": "8.99,41.99,9.0,42.0005"})) == ["Atelier du Col"]

    # Opening hours, evaluated on the candidates; pages.
    assert names(search({"open_now": True})) == ["L'Atelier"]
    assert names(search({"open_on": "2026-12-01", "network": "SoLozère"})) == [
        "L'Atelier",
        "Tiers-lieu de Florac",
    ]
    first = search({"page_size": 3})
    second = search({"page_size": 3, "page": 2})
    assert (first["total"], first["pages"], len(first["items"])) == (6, 2, 3)
    assert len(second["items"]) == 3 and not set(names(second)) & set(names(first))

    for bad in ({"lat": 44.5}, {"bbox": "a,b,c,d"}, {"kind": ["castle"]}):
        with pytest.raises(RemoteError) as refusal:
            search(bad)
        assert error_code(refusal.value) == "validation_failed"


def test_an_edit_and_a_status_change_emit_their_events_once(directory, coordinator, as_, amqp_uri):
    langogne = coordinator.directory.create_place(LANGOGNE, "langogne")
    updated_tap = EventTap(amqp_uri, "directory", "place_updated")
    status_tap = EventTap(amqp_uri, "directory", "place_status_changed")
    patch = {"summary": "Démarches, numérique", "status": "open", "status_since": "2026-12-01"}
    edited = coordinator.directory.update_place(langogne["id"], patch, "langogne-opens")
    again = coordinator.directory.update_place(langogne["id"], patch, "langogne-opens")
    assert edited == again and edited["status"] == "open" and edited["version"] == 2
    [updated] = updated_tap.take(1)
    [status] = status_tap.take(1)
    updated_tap.close()
    status_tap.close()
    assert updated["data"]["changes"] == {"summary": "Démarches, numérique"}
    assert (status["data"]["previous"], status["data"]["since"]) == ("project", "2026-12-01")
    history = coordinator.directory.record_history("place", langogne["id"])
    assert [h["action"] for h in history][0] == "updated"
    with pytest.raises(RemoteError) as refusal:
        as_(VERONIQUE).directory.update_place(langogne["id"], {"summary": "x"}, "k")
    assert error_code(refusal.value) == "forbidden"


def test_a_search_sees_a_change_at_once(directory, coordinator, rpc_client, mongo_uri, territory):
    """The searches read a copy of the places (``snapshot.py``): a change through the service
    is seen by the next search, and so is one made by another instance (its counter bumped)."""
    langogne = coordinator.directory.create_place(LANGOGNE, "langogne-fresh")
    search = rpc_client.directory.search_places
    assert names(search({"status": ["project"]})) == ["France Services de Langogne"]
    patch = {"status": "open", "status_since": "2026-12-01", "equipment": ["wifi"]}
    coordinator.directory.update_place(langogne["id"], patch, "langogne-fresh-opens")
    assert names(search({"status": ["project"]})) == []
    assert names(search({"status": ["open"], "equipment": ["wifi"]})) == [
        "France Services de Langogne"
    ]
    coordinator.directory.create_place(PLACE, "riez-fresh")
    assert names(search({})) == ["France Services de Langogne", "Tiers-lieu de Riez"]
    # Another instance writes and bumps the counter: this one's copy reloads.
    from pymongo import MongoClient

    from services.directory import snapshot

    client = MongoClient(mongo_uri)
    places = client[f"{territory}_directory"]["places"]
    places.update_one({"_id": ObjectId(langogne["id"])}, {"$set": {"name_key": "zz"}})
    snapshot.bump(places)
    client.close()
    assert names(search({})) == ["Tiers-lieu de Riez", "France Services de Langogne"]
