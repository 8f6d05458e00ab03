"""A resource's booking rules and availability on the real platform (issue 8): the operator
gives a two-seat desk pool the opening hours "Mo-Fr 09:00-12:00,14:00-18:00"; Véronique books
one seat at 9:00 next Monday; availability shows one seat left then, two at 10:00, none at
lunch; a booking over lunch is refused with its code; a manager's PATCH changes the rules."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .helpers import OPERATOR, add_resource, create_place, is_problem, member

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,14:00-18:00"


def next_monday(hour: int) -> datetime:
    today = datetime.now(PARIS).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=PARIS)


def wanted(resource_id: str, start: datetime, hours: int = 1) -> dict:
    end = start + timedelta(hours=hours)
    return {"resource_id": resource_id, "start": start.isoformat(), "end": end.isoformat()}


def test_availability_follows_opening_hours_and_bookings(verdon, api):
    _veronique, hers = member(verdon, api, "Véronique")
    place = create_place(api, name=f"Riez {uuid.uuid4().hex[:6]}")
    body = {"name": "Open space", "kind": "desk_pool", "seats": 2, "opening_hours": HOURS}
    resource = add_resource(api, place["id"], body)
    assert resource["opening_hours"] == HOURS and resource["unit"] == "quarter_hour"

    made = api.post("/api/bookings", json=wanted(resource["id"], next_monday(9)), headers=hers)
    assert made.status_code == 201, made.text

    day = next_monday(0).date().isoformat()
    answer = api.get(
        f"/api/resources/{resource['id']}/availability", params={"from": day, "to": day}
    )
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert got["timezone"] == "Europe/Paris" and got["start"] == next_monday(0).isoformat()
    seats = {f["start"][11:16]: f["seats_left"] for f in got["free"]}
    assert seats["09:00"] == seats["09:45"] == 1
    assert seats["10:00"] == 2 and seats["14:00"] == 2 and seats["17:45"] == 2
    assert not [t for t in seats if "12:00" <= t < "14:00"]  # lunch: nothing to book
    assert "08:45" not in seats and "18:00" not in seats

    lunch = api.post("/api/bookings", json=wanted(resource["id"], next_monday(11), 2), headers=hers)
    refused = is_problem(lunch, 409)
    assert refused["code"] == "outside_opening_hours"
    assert refused["opening_hours"] == HOURS and refused["timezone"] == "Europe/Paris"

    # The operator moves it to hour units: a quarter past is refused, and it is shown.
    patched = api.patch(f"/api/resources/{resource['id']}", json={"unit": "hour"}, headers=OPERATOR)
    assert patched.status_code == 200, patched.text
    assert api.get(f"/api/resources/{resource['id']}").json()["unit"] == "hour"
    off_unit = wanted(resource["id"], next_monday(14) + timedelta(minutes=15))
    assert is_problem(api.post("/api/bookings", json=off_unit, headers=hers), 422)["code"] == (
        "not_on_unit"
    )
    assert (
        is_problem(
            api.patch(f"/api/resources/{resource['id']}", json={"unit": "day"}, headers=hers), 403
        )["code"]
        == "forbidden"
    )
