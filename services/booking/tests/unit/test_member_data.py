"""booking's member data (in memory): the export's rules and the anonymisation's details — the
address compared lower-case, the events still waiting for the relay, a second delivery."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId

from contracts.errors import AuthenticationRequired
from contracts.identity import ANONYMOUS, Caller, TerritoryRole
from services.booking import commands, member_data, projections
from services.booking.models import ALIAS, Booking
from tests.support import RecordingStager, mongomock_alias

ONDINE = Caller(member_id="m-ondine", email="Ondine.Vauquelin@example.org", name="Ondine")
THIERRY = Caller(member_id="m-thierry", email="thierry@example.org", name="Thierry")
MANAGER = Caller(member_id="m-riez", email="riez@example.org", manages=("p1",))
OPERATOR = Caller(roles=(TerritoryRole.admin,), operator=True)


@pytest.fixture
def resource():
    with mongomock_alias(ALIAS):
        projections.remember_place({"place_id": "p1", "name": "Riez", "commune": "Riez"})
        payload = {"name": "Bureau", "kind": "desk_pool", "seats": 3}
        yield commands.create_resource("p1", payload, "r-key", RecordingStager("booking"), MANAGER)


def book(resource: dict, who: Caller, days: int, **person) -> dict:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    payload = {
        "resource_id": resource["id"],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        **person,
    }
    return commands.create_booking(payload, uuid.uuid4().hex, RecordingStager("booking"), who=who)


def erased(email: str = "ondine.vauquelin@example.org") -> dict:
    return {"data": {"member_id": ONDINE.member_id, "email": email}}


def test_export_needs_someone_and_the_operator_has_no_bookings(resource):
    book(resource, MANAGER, 2, name="Ondine V", email="ondine.vauquelin@example.org")
    with pytest.raises(AuthenticationRequired):
        member_data.export_member(ANONYMOUS)
    assert member_data.export_member(OPERATOR) == {"service": "booking", "bookings": []}
    [found] = member_data.export_member(ONDINE)["bookings"]  # her address, another case
    assert found["email"] == "ondine.vauquelin@example.org" and found["place_id"] == "p1"


def test_erasure_anonymises_hers_and_the_events_waiting_for_the_relay(resource):
    signed_in = book(resource, ONDINE, 2, email=ONDINE.email, phone="06 11 22 33 44")
    for_her = book(resource, MANAGER, 3, name="Ondine V", email="ONDINE.Vauquelin@example.org")
    his = book(resource, THIERRY, 2)
    # The confirmations are still in the bookings' outboxes (no relay here).
    assert Booking.objects(id=for_her["id"]).first().outbox

    assert member_data.erase_member(erased()) == 2
    for booking_id in (signed_in["id"], for_her["id"]):
        raw = Booking._get_collection().find_one({"_id": ObjectId(booking_id)})
        text = json.dumps(raw, default=str).lower()
        assert "ondine" not in text and "m-ondine" not in text and "06 11" not in text
        assert raw["name"] == member_data.ERASED_NAME and raw["status"] == "confirmed"
        [event] = raw["outbox"]
        assert event["type"] == "booking_confirmed" and event["data"]["email"] is None
        assert event["data"]["booking_id"] == booking_id  # the rest of the event stays
    kept = Booking.objects(id=his["id"]).first()
    assert (kept.email, kept.member_id, kept.name) == (
        "thierry@example.org",
        "m-thierry",
        "Thierry",
    )
    assert member_data.erase_member(erased()) == 0  # a second delivery: nothing left


def test_erasure_by_address_alone_when_the_event_names_no_known_member(resource):
    for_her = book(resource, MANAGER, 3, name="Ondine V", email="ondine.vauquelin@example.org")
    event = {"data": {"member_id": "someone-never-seen", "email": "Ondine.Vauquelin@example.org"}}
    assert member_data.erase_member(event) == 1
    assert Booking.objects(id=for_her["id"]).first().email is None


def test_a_new_address_keeps_the_bookings_made_for_the_old_one(resource):
    """Ondine changes her address: the bookings the facilitator made for the old one become
    hers by id (still in "my bookings"); a booking of another member at that address stays
    theirs; nothing moves without ``previous_email``."""
    for_her = book(resource, MANAGER, 3, name="Ondine V", email="ondine.vauquelin@example.org")
    # A member who booked signed in with that same address (an earlier account, say).
    theirs = book(resource, THIERRY, 4, name="Thierry", email="thierry@example.org")
    Booking.objects(id=theirs["id"]).update_one(set__email_key="ondine.vauquelin@example.org")
    moved = Caller(member_id=ONDINE.member_id, email="ondine@ailleurs.example", name="Ondine")
    assert (
        member_data.follow_address_change(
            {"data": {"member_id": ONDINE.member_id, "email": moved.email}}
        )
        == 0
    )
    assert commands.queries.my_bookings(moved) == []

    change = {
        "data": {
            "member_id": ONDINE.member_id,
            "email": moved.email,
            "previous_email": "Ondine.Vauquelin@example.org",
        }
    }
    assert member_data.follow_address_change(change) == 1
    assert member_data.follow_address_change(change) == 0  # idempotent
    assert [b["id"] for b in commands.queries.my_bookings(moved)] == [for_her["id"]]
    assert Booking.objects(id=theirs["id"]).first().member_id == THIERRY.member_id
