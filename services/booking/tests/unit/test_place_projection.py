"""Booking's copy of the directory's places kept current from ``place_updated`` and
``place_status_changed``: a renamed or moved place, its hours, its status; a late event
never undoes a newer one (the place's ``version``)."""

from __future__ import annotations

from services.booking import projections
from services.booking.models import KnownPlace

CREATED = {
    "place_id": "p1",
    "name": "Tiers-lieu de Riez",
    "commune": "Riez",
    "postal_code": "04500",
    "status": "project",
    "location": {"lat": 43.8186, "lon": 6.0928},
    "opening_hours": "Mo-Fr 09:00-18:00",
    "version": 1,
}


def updated(version: int, name: str, lat: float = 43.8186) -> dict:
    return {
        "place_id": "p1",
        "version": version,
        "changes": {"name": name},
        "name": name,
        "commune": "Riez",
        "location": {"lat": lat, "lon": 6.0928},
        "opening_hours": "Tu-Sa 10:00-19:00",
    }


def test_an_update_renames_moves_and_reschedules_the_known_place(db):
    projections.remember_place(CREATED)
    projections.follow_place_update(updated(2, "La Ruche", lat=43.82))
    place = KnownPlace.objects.get(place_id="p1")
    assert (place.name, place.lat, place.opening_hours) == ("La Ruche", 43.82, "Tu-Sa 10:00-19:00")
    assert projections.place_name("p1") == "La Ruche"
    projections.follow_place_status({"place_id": "p1", "version": 3, "status": "open"})
    place.reload()
    assert (place.status, place.name, place.version, place.status_version) == (
        "open",
        "La Ruche",
        2,
        3,
    )


def test_a_late_event_changes_nothing_and_a_repeated_one_is_harmless(db):
    projections.remember_place(CREATED)
    projections.follow_place_update(updated(3, "La Ruche"))
    projections.follow_place_update(updated(3, "La Ruche"))  # the same event again
    projections.remember_place(CREATED)  # the creation redelivered
    projections.follow_place_update(updated(2, "Un ancien nom"))  # arrives late
    assert KnownPlace.objects.get(place_id="p1").name == "La Ruche"
    assert KnownPlace.objects.count() == 1


def test_an_update_heard_before_the_creation_is_kept(db):
    projections.follow_place_update(updated(2, "La Ruche"))
    projections.remember_place(CREATED)
    assert KnownPlace.objects.get(place_id="p1").name == "La Ruche"


def test_a_status_heard_before_an_earlier_rename_does_not_block_it(db):
    projections.remember_place(CREATED)
    projections.follow_place_status({"place_id": "p1", "version": 3, "status": "closed"})
    projections.follow_place_update(updated(2, "La Ruche"))  # through another queue
    place = KnownPlace.objects.get(place_id="p1")
    assert (place.name, place.status) == ("La Ruche", "closed")
    projections.remember_place(CREATED)  # redelivered: the older status is not brought back
    assert KnownPlace.objects.get(place_id="p1").status == "closed"
