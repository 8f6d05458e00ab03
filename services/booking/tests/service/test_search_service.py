"""The territory's availability search, a place's availability and "can one book here?"
through real RPC (RabbitMQ vhost, SecantusDB): seats taken by real bookings, a closure set
by the manager, distances from the places' points kept by the projection."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nameko.exceptions import RemoteError

from contracts.identity import ANONYMOUS
from services.booking import projections
from services.booking.rules.search import distance_km
from services.booking.service import BookingService
from services.common.tests.callers import ADMIN, MANAGER, VERONIQUE
from tests.support import error_code

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00"
NYONS = {"lat": 44.3608, "lon": 5.1406}
# place-1 (Riez in the callers' world, which MANAGER manages) stands at Buis here (14.1 km
# from Nyons); place-3 at Vaison (14.3 km), place-4 at Die (47.3 km).
POINTS = {
    "place-1": {"lat": 44.2756, "lon": 5.2714},
    "place-3": {"lat": 44.2408, "lon": 5.0744},
    "place-4": {"lat": 44.7536, "lon": 5.3703},
}


@pytest.fixture
def booking(start_service):
    container = start_service(BookingService)
    for place_id, point in POINTS.items():
        projections.remember_place(
            {"place_id": place_id, "name": f"Lieu {place_id}", "commune": place_id,
             "location": point}
        )  # fmt: skip
    return container


def next_tuesday() -> datetime:
    today = datetime.now(PARIS).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    return datetime(tuesday.year, tuesday.month, tuesday.day, 9, tzinfo=PARIS)


def desk(as_, place_id: str) -> dict:
    """A one-seat desk open 9–12 on weekdays, booked by the hour (made by an admin)."""
    payload = {"name": "Bureau", "kind": "desk_pool", "seats": 1, "unit": "hour",
               "opening_hours": HOURS}  # fmt: skip
    return as_(ADMIN).booking.create_resource(place_id, payload, uuid.uuid4().hex)


def test_search_finds_free_places_by_distance_and_leaves_out_full_closed_and_far(booking, as_):
    tuesday = next_tuesday()
    day = tuesday.date().isoformat()
    buis, vaison, die = desk(as_, "place-1"), desk(as_, "place-3"), desk(as_, "place-4")
    anyone = as_(ANONYMOUS)
    question = {"kind": "desk_pool", "start": day, "end": day, **NYONS}

    found = anyone.booking.search_availability(question)
    assert [p["place_id"] for p in found["places"]] == ["place-1", "place-3", "place-4"]
    assert [p["distance_km"] for p in found["places"]] == [
        round(distance_km((NYONS["lat"], NYONS["lon"]), (POINTS[p]["lat"], POINTS[p]["lon"])), 1)
        for p in ("place-1", "place-3", "place-4")
    ]
    assert found["places"][0]["free"][0]["start"] == tuesday.isoformat()

    # Within 20 km of Nyons: Die is too far.
    near = anyone.booking.search_availability({**question, "radius_km": 20})
    assert [p["place_id"] for p in near["places"]] == ["place-1", "place-3"]

    # Véronique books Vaison's desk for the whole morning: full, left out.
    member = as_(VERONIQUE)
    member.booking.create_booking(
        {"resource_id": vaison["id"], "start": tuesday.isoformat(),
         "end": (tuesday + timedelta(hours=3)).isoformat()},
        uuid.uuid4().hex,
    )  # fmt: skip
    # The manager closes Buis that day.
    closure = {"start": tuesday.isoformat(), "end": (tuesday + timedelta(days=1)).isoformat()}
    as_(MANAGER).booking.update_resource(buis["id"], {"closures": [closure]}, uuid.uuid4().hex)
    found = anyone.booking.search_availability(question)
    assert [p["place_id"] for p in found["places"]] == ["place-4"]
    assert found["places"][0]["free"][0]["resource_id"] == die["id"]

    # The place's own grid shows Vaison's desk with nothing free, and "can one book here?"
    # looks further than that Tuesday.
    grid = anyone.booking.place_availability("place-3", day, day, "desk_pool", 1)
    assert [(r["resource_id"], r["free"]) for r in grid["resources"]] == [(vaison["id"], [])]
    bookable = anyone.booking.bookable("place-3", 14)
    assert bookable["bookable"] is True and bookable["next_free"]["start"] != tuesday.isoformat()
    assert anyone.booking.bookable("place-none", 14)["bookable"] is False


def test_a_radius_without_a_point_is_refused(booking, as_):
    with pytest.raises(RemoteError) as refused:
        as_(ANONYMOUS).booking.search_availability({"radius_km": 20})
    assert error_code(refused.value) == "radius_without_point"
    with pytest.raises(RemoteError) as refused:
        as_(ANONYMOUS).booking.search_availability({"limit": 0})
    assert error_code(refused.value) == "validation_failed"
