"""Who may read and cancel a booking (issue 7), on mongomock: the booking service decides from
the caller in the RPC context, whoever calls it.

Owner: the member who booked signed in, or whose confirmed address the booking names (any
case). Staff: the operator, a territory admin or coordinator. Anyone else: the booking
without the person, and no cancelling.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.booking import BookingStarted, NotCancellable
from contracts.errors import Forbidden, IdempotencyMismatch, NotFound
from contracts.identity import ANONYMOUS, Caller, TerritoryRole
from services.booking import access, commands, queries
from services.booking.models import Booking, SlotLoad
from services.booking.rules import states
from tests.support import RecordingStager

NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)

VERONIQUE = Caller(member_id="m-veronique", email="veronique@example.org")
# Signed in with the same address as the booking's, in another case, without having booked
# signed in: the owner by her address.
VERONIQUE_BY_ADDRESS = Caller(member_id="m-other-id", email="Veronique@Example.ORG")
THIERRY = Caller(member_id="m-thierry", email="thierry@example.org")
ADMIN = Caller(member_id="m-admin", email="admin@example.org", roles=(TerritoryRole.admin,))
COORDINATOR = Caller(
    member_id="m-coord", email="coord@example.org", roles=(TerritoryRole.coordinator,)
)
OPERATOR = Caller(roles=(TerritoryRole.admin,), operator=True)

OWNERS = [VERONIQUE, VERONIQUE_BY_ADDRESS]
STAFF = [ADMIN, COORDINATOR, OPERATOR]
STRANGERS = [ANONYMOUS, THIERRY]
ids = {
    id(VERONIQUE): "owner",
    id(VERONIQUE_BY_ADDRESS): "owner-by-address",
    id(THIERRY): "other-member",
    id(ADMIN): "admin",
    id(COORDINATOR): "coordinator",
    id(OPERATOR): "operator",
    id(ANONYMOUS): "anonymous",
}


def name(who: Caller) -> str:
    return ids[id(who)]


def wanted(resource_id: str, email: str = "veronique@example.org", days: float = 1) -> dict:
    begin = NOW + timedelta(days=days)
    return {
        "resource_id": resource_id,
        "start": begin.isoformat(),
        "end": (begin + timedelta(hours=1)).isoformat(),
        "seats": 1,
        "name": "Véronique",
        "email": email,
    }


def book(resource: dict, who: Caller = VERONIQUE, key: str = "k1", **kw) -> dict:
    stager = RecordingStager("booking")
    return commands.create_booking(wanted(resource["id"], **kw), key, stager, now=NOW, who=who)


def cancel(booking: dict, who: Caller, key: str = "c1", now: datetime = NOW) -> dict:
    return commands.cancel_booking(booking["id"], key, RecordingStager("booking"), who, now=now)


def taken(resource: dict) -> int:
    return sum(load.taken for load in SlotLoad.objects(resource_id=resource["id"]))


def stored(booking: dict) -> dict:
    from bson import ObjectId

    return Booking._get_collection().find_one({"_id": ObjectId(booking["id"])})


# --- a booking belongs to someone --------------------------------------------------------------
def test_a_signed_in_booking_records_the_member_and_the_address_lower_cased(resource):
    booking = book(resource, email="Veronique@Example.org")
    doc = stored(booking)
    assert doc["member_id"] == "m-veronique"
    assert doc["email_key"] == "veronique@example.org"


def test_an_anonymous_booking_records_no_member(resource):
    doc = stored(book(resource, who=ANONYMOUS))
    assert "member_id" not in doc or doc["member_id"] is None
    assert doc["email_key"] == "veronique@example.org"


def test_a_key_replayed_by_another_member_gets_no_booking(resource):
    """A retry answers the booking only to whoever made it: the member is in the digest."""
    book(resource, who=VERONIQUE, key="same")
    assert book(resource, who=VERONIQUE, key="same")["name"] == "Véronique"
    with pytest.raises(IdempotencyMismatch):
        book(resource, who=THIERRY, key="same")
    with pytest.raises(IdempotencyMismatch):
        book(resource, who=ANONYMOUS, key="same")


# --- reading: the person only to the owner and staff -------------------------------------------
@pytest.mark.parametrize("who", OWNERS + STAFF, ids=name)
def test_the_owner_and_staff_read_the_person(resource, who):
    booking = book(resource, who=ANONYMOUS)  # in Véronique's name: hers by her address
    shown = queries.get_booking(booking["id"], who)
    assert (shown["name"], shown["email"]) == ("Véronique", "veronique@example.org")


@pytest.mark.parametrize("who", STRANGERS, ids=name)
def test_anyone_else_reads_the_booking_without_the_person(resource, who):
    booking = book(resource)
    shown = queries.get_booking(booking["id"], who)
    assert shown["name"] is None and shown["email"] is None and shown["language"] is None
    assert {k: shown[k] for k in access.PUBLIC_FIELDS} == {
        k: booking[k] for k in access.PUBLIC_FIELDS
    }


def test_a_member_id_alone_makes_the_owner_even_with_another_address(resource):
    booking = book(resource, who=VERONIQUE, email="ancienne@example.org")
    renamed = Caller(member_id="m-veronique", email="nouvelle@example.org")
    assert queries.get_booking(booking["id"], renamed)["email"] == "ancienne@example.org"


@pytest.mark.parametrize("who", STAFF, ids=name)
def test_list_bookings_shows_the_people_to_staff(resource, who):
    book(resource)
    [shown] = queries.list_bookings(resource["id"], who)
    assert shown["email"] == "veronique@example.org"


@pytest.mark.parametrize("who", [*STRANGERS, VERONIQUE], ids=name)
def test_list_bookings_hides_the_people_from_everyone_else(resource, who):
    book(resource)
    [shown] = queries.list_bookings(resource["id"], who)
    assert shown["name"] is None and shown["email"] is None


def test_an_unknown_or_malformed_id_is_not_found(resource):
    for bad in ("6650c0ffee0000000000000c", "not-an-id"):
        with pytest.raises(NotFound):
            queries.get_booking(bad, ADMIN)
        with pytest.raises(NotFound):
            commands.cancel_booking(bad, "k", RecordingStager("booking"), ADMIN, now=NOW)


# --- my bookings -------------------------------------------------------------------------------
def test_my_bookings_by_member_and_by_address_newest_first(resource):
    first = book(resource, who=VERONIQUE, key="a", days=3)
    second = book(resource, who=ANONYMOUS, key="b", days=1)  # before she signed up
    third = book(resource, who=ADMIN, key="c", days=2, email="VERONIQUE@example.org")  # for her
    book(resource, who=THIERRY, key="d", days=4, email="thierry@example.org")
    Booking.objects(id=first["id"]).update_one(set__created_at=NOW - timedelta(hours=3))
    Booking.objects(id=second["id"]).update_one(set__created_at=NOW - timedelta(hours=2))
    Booking.objects(id=third["id"]).update_one(set__created_at=NOW - timedelta(hours=1))
    mine = queries.my_bookings(VERONIQUE)
    assert [b["id"] for b in mine] == [third["id"], second["id"], first["id"]]
    assert [b["id"] for b in queries.my_bookings(VERONIQUE_BY_ADDRESS)] == [
        third["id"],
        second["id"],
        first["id"],
    ]


def test_my_bookings_keep_the_cancelled_and_leave_out_the_refused(resource):
    kept = book(resource)
    cancel(kept, VERONIQUE)
    Booking.objects(id=kept["id"]).update_one(set__created_at=NOW - timedelta(hours=1))
    refused = Booking(
        resource_id=resource["id"],
        start=NOW + timedelta(days=2),
        end=NOW + timedelta(days=2, hours=1),
        seats=1,
        name="Véronique",
        email="veronique@example.org",
        email_key="veronique@example.org",
        member_id="m-veronique",
        status=states.REJECTED,
        idempotency_key="refused",
        fingerprint="-",
    )
    refused.save(force_insert=True)
    assert [(b["id"], b["status"]) for b in queries.my_bookings(VERONIQUE)] == [
        (kept["id"], "cancelled")
    ]


@pytest.mark.parametrize("who", [ANONYMOUS, OPERATOR], ids=name)
def test_no_one_behind_the_caller_has_no_bookings(resource, who):
    book(resource)
    assert queries.my_bookings(who) == []


# --- cancelling --------------------------------------------------------------------------------
@pytest.mark.parametrize("who", OWNERS + STAFF, ids=name)
def test_the_owner_and_staff_cancel_and_the_seat_is_free_again(resource, who):
    booking = book(resource, who=ANONYMOUS)
    assert taken(resource) == 4  # one seat in each quarter hour
    cancelled = cancel(booking, who)
    assert cancelled["status"] == "cancelled"
    assert taken(resource) == 0
    assert stored(booking)["status"] == states.CANCELLED
    book(resource, who=THIERRY, key="again", email="thierry@example.org")  # the seat is free


@pytest.mark.parametrize("who", STRANGERS, ids=name)
def test_anyone_else_cannot_cancel(resource, who):
    booking = book(resource)
    with pytest.raises(Forbidden) as refusal:
        cancel(booking, who)
    assert refusal.value.code == "forbidden" and refusal.value.status == 403
    assert refusal.value.params == {"what": "booking", "id": booking["id"]}
    assert stored(booking)["status"] == states.CONFIRMED and taken(resource) == 4


def test_cancelling_stages_booking_cancelled_in_the_same_write(resource):
    booking = book(resource)
    Booking._get_collection().update_one({}, {"$set": {"outbox": []}})  # the confirmation sent
    cancel(booking, VERONIQUE, key="cancel-1")
    doc = stored(booking)
    assert doc["status"] == states.CANCELLED and doc["outbox_pending"] is True
    assert doc["cancel_key"] == "cancel-1" and doc["cancelled_by"] == "owner"
    [event] = doc["outbox"]
    assert event["type"] == "booking_cancelled"
    data = event["data"]
    assert data["booking_id"] == booking["id"] and data["email"] == "veronique@example.org"
    assert (data["cancelled_by"], data["sequence"], data["place_name"]) == ("owner", 1, "Riez")
    assert data["start"] == booking["start"]


def test_staff_cancelling_is_said_so(resource):
    booking = book(resource)
    Booking._get_collection().update_one({}, {"$set": {"outbox": []}})
    cancel(booking, COORDINATOR)
    assert stored(booking)["outbox"][0]["data"]["cancelled_by"] == "staff"


def test_cancelling_twice_answers_the_same_and_emits_once(resource):
    booking = book(resource)
    Booking._get_collection().update_one({}, {"$set": {"outbox": []}})
    first = cancel(booking, VERONIQUE, key="one")
    assert cancel(booking, VERONIQUE, key="one") == first
    assert cancel(booking, ADMIN, key="two") == first  # any key: it is cancelled
    doc = stored(booking)
    assert len(doc["outbox"]) == 1 and doc["cancel_key"] == "one"
    assert taken(resource) == 0


def test_cancelling_again_releases_seats_a_crash_kept(resource):
    """Between the status write and the seats' release a worker may die: the next cancel
    (a retry) gives them back."""
    booking = book(resource)
    Booking.objects(id=booking["id"]).update_one(set__status=states.CANCELLED)
    assert taken(resource) == 4
    cancel(booking, VERONIQUE)
    assert taken(resource) == 0


def test_a_cancelled_booking_is_still_refused_to_others(resource):
    booking = book(resource)
    cancel(booking, VERONIQUE)
    with pytest.raises(Forbidden):
        cancel(booking, THIERRY)  # idempotent for the allowed, still refused for others


@pytest.mark.parametrize("minutes", [0, 30, 24 * 60 + 90])
def test_a_booking_that_has_started_cannot_be_cancelled(resource, minutes):
    booking = book(resource)
    start = NOW + timedelta(days=1)
    with pytest.raises(BookingStarted) as refusal:
        cancel(booking, VERONIQUE, now=start + timedelta(minutes=minutes))
    assert refusal.value.code == "booking_already_started" and refusal.value.status == 409
    assert refusal.value.params == {"start": booking["start"]}
    assert stored(booking)["status"] == states.CONFIRMED and taken(resource) == 4


def test_a_booking_can_be_cancelled_until_it_starts(resource):
    booking = book(resource)
    cancel(booking, VERONIQUE, now=NOW + timedelta(days=1) - timedelta(seconds=1))
    assert stored(booking)["status"] == states.CANCELLED


@pytest.mark.parametrize("status", [states.REJECTED, states.HELD])
def test_a_refused_or_in_flight_booking_cannot_be_cancelled(resource, status):
    booking = book(resource)
    Booking.objects(id=booking["id"]).update_one(set__status=status)
    with pytest.raises(NotCancellable) as refusal:
        cancel(booking, VERONIQUE)
    assert refusal.value.params == {"status": status}
    assert stored(booking)["status"] == status


def test_a_cancel_that_loses_the_race_to_another_change_is_refused(resource, monkeypatch):
    booking = book(resource)
    real_move = commands.move

    def raced(booking_id, source, target, **kw):
        Booking.objects(id=booking_id).update_one(set__status=states.REJECTED)
        return real_move(booking_id, source, target, **kw)

    monkeypatch.setattr(commands, "move", raced)
    with pytest.raises(NotCancellable):
        cancel(booking, VERONIQUE)
    assert taken(resource) == 4  # the winner owns the seats' fate


# --- the pure rules ----------------------------------------------------------------------------
def test_an_address_match_is_case_insensitive_and_never_for_the_operator():
    class B:
        member_id = None
        email = "Marceline@Example.org"

    assert access.is_owner(B, Caller(member_id="x", email="marceline@example.ORG"))
    assert not access.is_owner(B, Caller(member_id="x", email="marcel@example.org"))
    assert not access.is_owner(B, Caller(email="marceline@example.org", operator=True))
    assert not access.is_owner(B, ANONYMOUS)


def test_an_internationalised_address_books_and_owns(resource):
    """The contract accepts ``véronique@…`` (and so do accounts): the document must too."""
    booking = book(resource, email="véronique@example.org")
    who = Caller(member_id="m-x", email="Véronique@example.org")
    assert queries.get_booking(booking["id"], who)["email"] == "véronique@example.org"
