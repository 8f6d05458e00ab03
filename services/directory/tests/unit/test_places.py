"""Places: their rules (search words, slug, opening hours, the search's filter) and their
writes on mongomock (update, status, idempotency, who may). The search itself runs against
SecantusDB in ``tests/service/test_places.py`` (geo queries)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts.directory import PlaceSearch
from contracts.errors import (
    AuthenticationRequired,
    Forbidden,
    IdempotencyMismatch,
    NotFound,
    ValidationFailed,
)
from contracts.identity import ANONYMOUS, Caller
from services.common.tests.callers import ADMIN, COORDINATOR, VERONIQUE
from services.directory import actors, places, queries
from services.directory.contributions import record_history
from services.directory.models import ALIAS, Place
from services.directory.rules import cells
from services.directory.rules import places as rules
from services.directory.rules.cells import cells_of
from services.directory.upgrades import bound_service_areas, fill_cells, fill_place_search_fields
from tests.samples import PLACE
from tests.support import RecordingStager, mongomock_alias

FULL = {
    **PLACE,
    "insee_code": "04160",
    "kinds": ["coworking", "fablab"],
    "equipment": ["wifi", "printer_3d"],
    "opening_hours": "Mo-Fr 09:00-18:00",
    "summary": "Coworking et atelier au cœur du plateau de Valensole.",
    "networks": ["Sud Tiers-Lieux"],
}
# Thursday 26 November 2026, 10:00 and 20:00 in Paris (UTC+1).
THURSDAY_MORNING = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
THURSDAY_NIGHT = datetime(2026, 11, 26, 19, 0, tzinfo=UTC)


# --- rules -------------------------------------------------------------------------------------
def test_search_words_cover_name_commune_summary_networks_and_kinds_trade_words():
    found = rules.search_words(FULL)
    for word in ("tiers", "riez", "valensole", "sud", "coworking", "teletravail", "imprimante"):
        assert word in found
    assert "atel" in found  # a prefix: "atel" finds "atelier"
    assert "de" not in found  # a stop word


@pytest.mark.parametrize(
    ("name", "commune", "slug"),
    [
        ("L'Atelier", "Mende", "l-atelier-mende"),
        ("Tiers-lieu de Riez", "Riez", "tiers-lieu-de-riez"),
        ("Arrêt Minute", "Pomerol", "arret-minute-pomerol"),
    ],
)
def test_slug(name, commune, slug):
    assert rules.slug_base(name, commune) == slug


def test_open_now_and_open_on_a_day_follow_the_osm_rule_in_paris_time():
    hours = "Mo-Fr 09:00-18:00; Sa 09:00-12:00"
    assert rules.open_at(hours, THURSDAY_MORNING) is True
    assert rules.open_at(hours, THURSDAY_NIGHT) is False
    assert rules.open_on(hours, date(2026, 11, 28)) is True  # a Saturday morning
    assert rules.open_on(hours, date(2026, 11, 29)) is False  # Sunday
    assert rules.open_at(None, THURSDAY_MORNING) is None  # unknown, not "closed"
    # A place without hours never matches an hours filter.
    assert not rules.hours_match(None, PlaceSearch(open_now=True), THURSDAY_MORNING)
    assert rules.hours_match(hours, PlaceSearch(open_now=True), THURSDAY_MORNING)
    assert not rules.hours_match(hours, PlaceSearch(open_on=date(2026, 11, 29)), THURSDAY_MORNING)


def test_the_search_filter_uses_indexed_equalities_and_the_grid_cells():
    search = PlaceSearch(
        q="Atelier Mende",
        kind=["fablab"],
        equipment=["wifi", "fibre"],
        status=["open"],
        commune="Florac-Trois-Rivières",
        network="SoLozère",
        lat=44.5,
        lon=3.5,
        radius_km=20,
    )
    query, sort = rules.search_query(search)
    assert query["keywords"] == {"$all": ["atelier", "mende"]}
    assert query["kinds"] == {"$in": ["fablab"]}
    assert query["equipment"] == {"$all": ["fibre", "wifi"]}
    assert query["status"] == {"$in": ["open"]}
    assert query["commune_key"] == "florac trois rivieres"
    assert query["network_keys"] == "solozere"
    assert query["cells"] == {"$in": cells.covering_circle(44.5, 3.5, 20)}
    assert sort[0] == ("name_key", 1)
    assert rules.search_query(PlaceSearch()) == ({}, sort)


# --- writes ------------------------------------------------------------------------------------
@pytest.fixture
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


def create(payload: dict = FULL, key: str = "riez") -> dict:
    return places.create_place(payload, key, RecordingStager("directory"), COORDINATOR)


def update(place_id: str, payload: dict, key: str, who: Caller = COORDINATOR):
    events = RecordingStager("directory")
    return places.update_place(place_id, payload, key, events, who), events


def outbox(db, place_id: str) -> list[dict]:
    from bson import ObjectId

    return db.places.find_one({"_id": ObjectId(place_id)})["outbox"]


def test_a_full_place_is_created_with_its_slug_keywords_and_first_status(db):
    made = create()
    assert made["slug"] == "tiers-lieu-de-riez" and made["kinds"] == ["coworking", "fablab"]
    assert made["status_since"] is not None and made["version"] == 1
    stored = db.places.find_one()
    assert "teletravail" in stored["keywords"] and stored["network_keys"] == ["sud tiers lieux"]
    assert stored["status_history"][0]["to"] == "open"
    [event] = stored["outbox"]
    assert event["data"]["opening_hours"] == "Mo-Fr 09:00-18:00"
    assert event["data"]["insee_code"] == "04160" and event["data"]["slug"] == made["slug"]
    # A second place of the same name gets another slug.
    other = create({**FULL, "location": {"lat": 43.9, "lon": 6.1}}, "riez-2")
    assert other["slug"].startswith("tiers-lieu-de-riez-") and other["slug"] != made["slug"]
    assert queries.get_place(made["slug"])["id"] == made["id"]  # by slug too
    assert [h["action"] for h in record_history("place", made["id"], COORDINATOR)] == ["created"]
    with pytest.raises(Forbidden):
        record_history("place", made["id"], VERONIQUE)


def test_an_update_changes_only_the_given_fields_once_per_key_and_says_so(db):
    made = create()
    patch = {"name": "La Ruche de Riez", "opening_hours": "Tu-Sa 10:00-19:00"}
    updated, events = update(made["id"], patch, "edit-1")
    assert updated["name"] == "La Ruche de Riez" and updated["kinds"] == made["kinds"]
    assert updated["version"] == 2 and updated["slug"] == made["slug"]  # links keep working
    again, _ = update(made["id"], patch, "edit-1")
    assert again == updated
    events_of = [e for e in outbox(db, made["id"]) if e["type"] == "place_updated"]
    assert len(events_of) == 1
    data = events_of[0]["data"]
    assert data["changes"] == patch and data["version"] == 2
    assert data["name"] == "La Ruche de Riez" and data["location"] == PLACE["location"]
    assert "ruche" in db.places.find_one()["keywords"]
    [change] = [
        h for h in record_history("place", made["id"], COORDINATOR) if h["action"] == "updated"
    ]
    assert change["changes"]["name"] == ["Tiers-lieu de Riez", "La Ruche de Riez"]
    assert change["by"] == COORDINATOR.member_id
    with pytest.raises(IdempotencyMismatch):
        update(made["id"], {"name": "Autre"}, "edit-1")


def test_a_status_change_keeps_its_history_and_emits_its_own_event(db):
    made = create({**FULL, "status": "project"}, "asoft")
    updated, _ = update(made["id"], {"status": "open", "status_since": "2026-12-01"}, "opens")
    assert (updated["status"], updated["status_since"]) == ("open", "2026-12-01")
    stored = db.places.find_one()
    assert [(h["from"], h["to"]) for h in stored["status_history"]] == [
        (None, "project"),
        ("project", "open"),
    ]
    types = [e["type"] for e in stored["outbox"]]
    assert types == ["place_created", "place_status_changed"]  # no place_updated
    data = stored["outbox"][-1]["data"]
    assert (data["status"], data["previous"], data["since"]) == ("open", "project", "2026-12-01")


def test_an_update_that_changes_nothing_emits_nothing(db):
    made = create()
    updated, _ = update(made["id"], {"name": FULL["name"]}, "same")
    assert updated["version"] == 1 and len(outbox(db, made["id"])) == 1


def test_required_fields_cannot_be_emptied_and_bad_hours_are_refused(db):
    made = create()
    with pytest.raises(ValidationFailed):
        update(made["id"], {"name": None}, "k1")
    with pytest.raises(ValidationFailed):
        update(made["id"], {"opening_hours": "sometimes"}, "k2")
    with pytest.raises(NotFound):
        update("0" * 24, {"name": "x"}, "k3")


def test_an_earlier_version_without_counter_is_updated(db):
    made = create()
    db.places.update_one({}, {"$unset": {"version": 1}})
    updated, _ = update(made["id"], {"summary": "Nouveau"}, "k")
    assert updated["summary"] == "Nouveau" and updated["version"] == 1


@pytest.mark.parametrize(
    ("who", "refusal"),
    [(VERONIQUE, Forbidden), (ANONYMOUS, AuthenticationRequired)],
    ids=["member", "anonymous"],
)
def test_a_member_or_anonymous_edits_no_place(db, who, refusal):
    made = create()
    with pytest.raises(refusal):
        update(made["id"], {"name": "Pirate"}, "k", who)
    assert queries.get_place(made["id"])["name"] == FULL["name"]


def test_the_place_manager_and_an_admin_edit_it(db):
    made = create()
    manager = Caller(member_id="m-1", manages=(made["id"],))
    assert update(made["id"], {"summary": "Par la gestionnaire"}, "k1", manager)[0]["summary"]
    assert update(made["id"], {"summary": "Par l'admin"}, "k2", ADMIN)[0]["summary"]
    other = Caller(member_id="m-2", manages=("0" * 24,))
    with pytest.raises(Forbidden):
        update(made["id"], {"summary": "Pas mon lieu"}, "k3", other)


def test_earlier_places_get_their_search_fields_and_slug_once(db):
    db.places.insert_one(
        {k: v for k, v in PLACE.items() if k != "location"}
        | {"location": {"type": "Point", "coordinates": [6.0928, 43.8186]}}
    )
    assert fill_place_search_fields(db) == 1
    stored = db.places.find_one()
    assert stored["slug"] == "tiers-lieu-de-riez" and "riez" in stored["keywords"]
    assert fill_place_search_fields(db) == 0  # the marker: not scanned again
    assert Place.objects.first().to_dict()["name"] == PLACE["name"]


def test_earlier_places_and_actors_get_their_grid_cells_once(db):
    riez = {"type": "Point", "coordinates": [6.0928, 43.8186]}
    db.places.insert_one({k: v for k, v in PLACE.items() if k != "location"} | {"location": riez})
    db.actors.insert_one({"name": "Gîte", "location": [6.0928, 43.8186]})  # a legacy pair
    assert fill_cells(db) == 2
    assert (
        db.places.find_one()["cells"] == db.actors.find_one()["cells"] == cells_of(43.8186, 6.0928)
    )
    db.places.update_one({}, {"$unset": {"cells": ""}})
    assert fill_cells(db) == 0  # the marker: not scanned again
    assert "cells" not in db.places.find_one()


def test_the_actors_service_area_bound_is_raised_never_lowered(db):
    assert actors.service_bound(db) is None
    db.actors.insert_many([{"service_radius_km": 12.0}, {"service_radius_km": None}, {}])
    assert bound_service_areas(db) == 12.0  # a start: the widest stored
    actors.widen_service_bound(db, 40)
    actors.widen_service_bound(db, 5)
    actors.widen_service_bound(db, None)
    assert actors.service_bound(db) == 40.0 == bound_service_areas(db)


def test_a_place_keeps_the_cells_of_its_point(db):
    made = create()
    assert db.places.find_one()["cells"] == cells_of(
        made["location"]["lat"], made["location"]["lon"]
    )
    update(made["id"], {"location": {"lat": 44.5181, "lon": 3.5006}}, "k-move")
    assert db.places.find_one()["cells"] == cells_of(44.5181, 3.5006)


def test_a_change_keeps_when_it_was_made(db):
    """The history's ``at`` is stored with the change (an upsert applies no field default:
    without it, every change would read as made at the moment it is read)."""
    made = create()
    assert db.record_changes.find_one({"record_id": made["id"]})["at"] is not None
