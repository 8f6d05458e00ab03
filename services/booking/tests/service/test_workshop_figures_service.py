"""Clubs' workshops in the funders' figures: booking keeps the attendance the organiser took
(``workshop_attendance_taken``, published here as clubs would) and counts it in the month of
the workshop's local start, for its place and the territory; taken again, the later wins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nameko.standalone.events import event_dispatcher

from services.booking.models import KnownPlace
from services.booking.service import BookingService
from services.booking.workshop_attendance import WorkshopAttendance
from services.common.envelope import make_event
from services.common.tests.callers import COORDINATOR, MANAGER
from tests.support import metric_value, wait_until


@pytest.fixture
def booking(start_service):
    return start_service(BookingService)


def taken(territory: str, workshop_id: str, start: str, present: int, absent: int, at: datetime):
    data = {
        "workshop_id": workshop_id,
        "club_id": None,
        "place_id": "place-1",
        "place_name": "Riez",
        "title": "Atelier",
        "start": start,
        "end": start,
        "timezone": "Europe/Paris",
        "registered": present + absent,
        "present": present,
        "absent": absent,
    }
    event = make_event("clubs", "workshop_attendance_taken", data, territory=territory)
    event["occurred_at"] = at.isoformat()
    return event


def test_attendance_taken_counts_in_the_month_of_the_local_start(booking, as_, territory):
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    dispatch = event_dispatcher()
    now = datetime.now(UTC)
    # 1 December 00:30 in Paris is still 30 November in UTC: it counts in December.
    first = taken(territory, "w1", "2030-12-01T00:30:00+01:00", 3, 1, now)
    later = taken(territory, "w1", "2030-12-01T00:30:00+01:00", 4, 0, now + timedelta(seconds=1))
    other = taken(territory, "w2", "2030-12-10T14:00:00+01:00", 5, 2, now)
    labels = {"service": "booking", "handler": "on_workshop_attendance_taken", "outcome": "ok"}
    before = metric_value("maillage_events_handled_total", **labels)
    for event in (later, other, first):  # the older one arrives last: it changes nothing
        dispatch("clubs", "workshop_attendance_taken", event)
    wait_until(lambda: metric_value("maillage_events_handled_total", **labels) == before + 3)
    assert WorkshopAttendance.objects.count() == 2
    assert as_(MANAGER).booking.place_figures("place-1", "2030-12")["workshops"] == {
        "workshops": 2,
        "registered": 11,
        "present": 9,
        "absent": 2,
    }
    territory_figures = as_(COORDINATOR).booking.territory_figures("2030-12")
    assert territory_figures["workshops"]["present"] == 9
    november = as_(MANAGER).booking.place_figures("place-1", "2030-11")["workshops"]
    assert november["workshops"] == 0
