"""A resource's settings through the commands, on mongomock: created with them, changed by
``update_resource`` (a manager of its place or an admin; partial, validated whole,
idempotent, ``resource_updated`` staged in the same write), honoured by ``create_booking``
and ``cancel_booking``, and read back by ``availability``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.booking import (
    CancellationDeadlinePassed,
    OutsideOpeningHours,
    ResourceClosed,
)
from contracts.errors import AuthenticationRequired, Forbidden, NotFound, ValidationFailed
from contracts.identity import ANONYMOUS
from services.booking import commands, projections, queries
from services.booking.models import Resource
from services.common.tests.callers import ADMIN, MANAGER, OTHER_MANAGER, VERONIQUE
from tests.support import RecordingStager

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00"


def next_monday(hour: int) -> datetime:
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=PARIS)


@pytest.fixture
def desks(db) -> dict:
    projections.remember_place({"place_id": "p1", "name": "Riez", "commune": "Riez"})
    payload = {"name": "Open space", "kind": "desk_pool", "seats": 2, "opening_hours": HOURS}
    return commands.create_resource("p1", payload, "r-key", RecordingStager("booking"), MANAGER)


def outbox(resource: dict) -> list[dict]:
    return Resource._get_collection().find_one({"_id": Resource(id=resource["id"]).id})["outbox"]


def update(resource: dict, patch: dict, who=MANAGER) -> dict:
    return commands.update_resource(resource["id"], patch, "u-key", RecordingStager("booking"), who)


def book(resource: dict, start: datetime, hours: int = 1, who=VERONIQUE) -> dict:
    payload = {
        "resource_id": resource["id"],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=hours)).isoformat(),
    }
    return commands.create_booking(payload, f"b-{start}", RecordingStager("booking"), who=who)


def test_a_resource_is_created_with_its_settings_and_the_defaults_for_the_rest(desks):
    shown = queries.get_resource(desks["id"])
    assert shown["opening_hours"] == HOURS
    assert (shown["unit"], shown["timezone"], shown["lead_time_minutes"]) == (
        "quarter_hour", "Europe/Paris", 0,
    )  # fmt: skip


def test_a_resource_of_an_earlier_version_reads_with_the_defaults(db):
    Resource._get_collection().insert_one(
        {"place_id": "p1", "name": "Vieux", "kind": "office", "seats": 1}
    )
    [old] = queries.list_resources("p1")
    assert old["opening_hours"] is None and old["horizon_days"] == 731


@pytest.mark.parametrize(
    ("who", "error"),
    [(ANONYMOUS, AuthenticationRequired), (VERONIQUE, Forbidden), (OTHER_MANAGER, Forbidden)],
)
def test_only_a_manager_of_its_place_or_an_admin_changes_a_resource(desks, who, error):
    with pytest.raises(error):
        update(desks, {"seats": 5}, who)
    assert queries.get_resource(desks["id"])["seats"] == 2
    assert update(desks, {"seats": 5}, ADMIN)["seats"] == 5


def test_an_unknown_resource_is_404(db):
    with pytest.raises(NotFound):
        update({"id": "0" * 24}, {"seats": 5})


def test_a_patch_changes_only_what_it_names_and_emits_one_event(desks):
    closure = {"start": "2030-08-01T00:00:00+02:00", "end": "2030-08-16T00:00:00+02:00",
               "reason": "Congés"}  # fmt: skip
    after = update(desks, {"closures": [closure], "lead_time_minutes": 60})
    assert after["opening_hours"] == HOURS and after["seats"] == 2
    assert after["lead_time_minutes"] == 60 and after["closures"][0]["reason"] == "Congés"
    assert queries.get_resource(desks["id"]) == after
    [created, updated] = outbox(desks)
    assert updated["type"] == "resource_updated"
    assert updated["data"]["changed"] == ["closures", "lead_time_minutes"]
    assert updated["data"]["resource"] == after
    # The same body again: the same resource, nothing written, no second event.
    assert update(desks, {"closures": [closure], "lead_time_minutes": 60}) == after
    assert len(outbox(desks)) == 2


def test_null_clears_the_opening_hours(desks):
    assert update(desks, {"opening_hours": None})["opening_hours"] is None


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"opening_hours": "Mo-Fr 9h"}, "opening_hours"),
        ({"timezone": "Paris"}, "timezone"),
        ({"min_duration_minutes": 60, "max_duration_minutes": 30}, None),
        ({"seats": 0}, "seats"),
    ],
)
def test_a_patch_is_validated_and_changes_nothing_when_refused(desks, patch, field):
    with pytest.raises(ValidationFailed) as refused:
        update(desks, patch)
    assert field is None or field in str(refused.value.params)
    assert queries.get_resource(desks["id"])["opening_hours"] == HOURS
    assert len(outbox(desks)) == 1


def test_min_above_the_stored_max_is_refused_once_merged(desks):
    update(desks, {"max_duration_minutes": 120})
    with pytest.raises(ValidationFailed):
        update(desks, {"min_duration_minutes": 180})


def test_booking_honours_the_opening_hours_and_closures(desks):
    book(desks, next_monday(9), hours=3)
    with pytest.raises(OutsideOpeningHours):
        book(desks, next_monday(11), hours=2)
    monday = next_monday(0)
    closure = {"start": monday.isoformat(), "end": (monday + timedelta(days=1)).isoformat()}
    update(desks, {"closures": [closure]})
    with pytest.raises(ResourceClosed):
        book(desks, next_monday(14))


def test_the_owner_cancels_until_the_deadline_the_manager_after(desks):
    update(desks, {"cancellation_deadline_hours": 24 * 30, "opening_hours": None})
    mine = book(desks, next_monday(15))
    with pytest.raises(CancellationDeadlinePassed):
        commands.cancel_booking(mine["id"], "c-1", RecordingStager("booking"), VERONIQUE)
    cancelled = commands.cancel_booking(
        mine["id"], "c-2", RecordingStager("booking"), MANAGER, payload={"reason": "Travaux"}
    )
    assert cancelled["status"] == "cancelled"


def test_availability_shows_the_seats_left_and_no_lunch(desks):
    book(desks, next_monday(9))
    day = next_monday(0).date().isoformat()
    got = queries.availability(desks["id"], day, day)
    seats = {f["start"][11:16]: f["seats_left"] for f in got["free"]}
    assert seats["09:00"] == seats["09:45"] == 1
    assert seats["10:00"] == 2
    assert "12:00" not in seats and "13:45" not in seats and seats["14:00"] == 2
    assert got["timezone"] == "Europe/Paris" and got["seats"] == 2
    assert got["start"] == next_monday(0).isoformat()
