"""Who may create resources, book, read and cancel bookings (issue 7), on mongomock: the booking
service decides from the caller in the RPC context, whoever calls it.

Resources: a manager of their place, a territory admin, the operator. Booking: signed in, for
oneself; for someone else (a name, and an email or a phone) a manager of the resource's place
or an admin. Owner: the member who booked signed in, or whose confirmed address the booking
names (any case). Staff: the operator, a territory admin or coordinator; a manager of the
booking's place reads and cancels too. Anyone else: the booking without the person, and no
cancelling.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from bson import ObjectId

from contracts.booking import BookingIn, BookingStarted, NotCancellable, UnknownPlace
from contracts.errors import (
    AuthenticationRequired,
    Forbidden,
    IdempotencyMismatch,
    MaillageError,
    NotFound,
    ValidationFailed,
)
from contracts.identity import ANONYMOUS, Caller
from services.booking import access, commands, projections, queries
from services.booking.models import Booking, Resource
from services.booking.rules import states
from services.booking.tests.loads import taken_list
from services.common.tests.callers import (
    ADMIN,
    COORDINATOR,
    MANAGER,
    OPERATOR,
    OTHER_MANAGER,
    THIERRY,
    VERONIQUE,
)
from services.common.tests.callers import name as caller_name
from tests.support import RecordingStager

NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)

# Signed in with the same address as the booking's, in another case, without having booked
# signed in: the owner by her address.
VERONIQUE_BY_ADDRESS = Caller(member_id="m-other-id", email="Veronique@Example.ORG")
# Who called the facilitator: she has no account yet when they book for her.
MARCELINE = Caller(member_id="m-marceline", email="marceline@example.org")
PHONE = "04 92 77 00 00"

OWNERS = [VERONIQUE, VERONIQUE_BY_ADDRESS]
STAFF = [ADMIN, COORDINATOR, OPERATOR]
STRANGERS = [ANONYMOUS, THIERRY, OTHER_MANAGER]


def name(who: Caller) -> str:
    return "owner-by-address" if who is VERONIQUE_BY_ADDRESS else caller_name(who)


def wanted(resource_id: str, email: str | None = "veronique@example.org", days: float = 1, **more):
    """A booking request; ``None`` leaves a field out."""
    begin = NOW + timedelta(days=days)
    body = {
        "resource_id": resource_id,
        "start": begin.isoformat(),
        "end": (begin + timedelta(hours=1)).isoformat(),
        "seats": 1,
        "name": "Véronique",
        "email": email,
        **more,
    }
    return {k: v for k, v in body.items() if v is not None}


def book(resource: dict, who: Caller = VERONIQUE, key: str = "k1", **kw) -> dict:
    stager = RecordingStager("booking")
    return commands.create_booking(wanted(resource["id"], **kw), key, stager, now=NOW, who=who)


def for_her(resource: dict, who: Caller = MANAGER, key: str = "k1", **kw) -> dict:
    """Booked by the place's manager for Véronique, who phoned: hers by her address."""
    return book(resource, who=who, key=key, phone=PHONE, **kw)


def cancel(booking: dict, who: Caller, key: str = "c1", now: datetime = NOW) -> dict:
    """With a reason: staff cancelling someone else's booking must give one (test_desk)."""
    payload = {"reason": "Fermeture exceptionnelle"}
    return commands.cancel_booking(
        booking["id"], key, RecordingStager("booking"), who, now=now, payload=payload
    )


def taken(resource: dict) -> int:
    return sum(taken_list(resource["id"]))


def stored(booking: dict) -> dict:
    return Booking._get_collection().find_one({"_id": ObjectId(booking["id"])})


def as_before_places(booking: dict) -> None:
    """The booking as an earlier version stored it: without its place."""
    Booking._get_collection().update_one(
        {"_id": ObjectId(booking["id"])}, {"$unset": {"place_id": 1}}
    )
    assert "place_id" not in stored(booking)


# --- who creates a resource --------------------------------------------------------------------
PAYLOAD = {"name": "Salle", "kind": "meeting_room", "seats": 8}


@pytest.mark.parametrize("who", [MANAGER, ADMIN, OPERATOR], ids=name)
def test_a_manager_of_the_place_or_an_admin_creates_a_resource(db, who):
    projections.remember_place({"place_id": "p1", "name": "Riez", "commune": "Riez"})
    created = commands.create_resource("p1", PAYLOAD, "r", RecordingStager("booking"), who=who)
    assert created["place_id"] == "p1" and Resource.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "refusal", "status"),
    [
        (OTHER_MANAGER, Forbidden, 403),
        (VERONIQUE, Forbidden, 403),
        (ANONYMOUS, AuthenticationRequired, 401),
    ],
    ids=["other-place-manager", "member", "anonymous"],
)
@pytest.mark.parametrize("place_id", ["p1", "nowhere"], ids=["known-place", "unknown-place"])
def test_anyone_else_is_refused_a_resource_before_the_place_is_looked_up(
    db, who, refusal, status, place_id
):
    """The refusal comes first: whether a place exists is not told to who may not add to it."""
    projections.remember_place({"place_id": "p1", "name": "Riez", "commune": "Riez"})
    with pytest.raises(refusal) as refused:
        commands.create_resource(place_id, PAYLOAD, "r", RecordingStager("booking"), who=who)
    assert refused.value.status == status
    assert Resource.objects.count() == 0


def test_an_admin_is_told_the_place_is_unknown(db):
    with pytest.raises(UnknownPlace):
        commands.create_resource("nowhere", PAYLOAD, "r", RecordingStager("booking"), who=ADMIN)


@pytest.mark.parametrize(
    ("who", "place_id", "allowed"),
    [
        (MANAGER, "p1", True),
        (MANAGER, "p2", False),
        (OTHER_MANAGER, "p1", False),
        (ADMIN, "p1", True),
        (OPERATOR, "p2", True),
        (VERONIQUE, "p1", False),
    ],
)
def test_check_create_resource(who, place_id, allowed):
    if allowed:
        access.check_create_resource(who, place_id)
        return
    with pytest.raises(Forbidden) as refused:
        access.check_create_resource(who, place_id)
    assert refused.value.code == "forbidden" and refused.value.status == 403
    assert refused.value.params["what"] == "place" and refused.value.params["id"] == place_id


def test_check_create_resource_asks_anonymous_to_sign_in():
    with pytest.raises(AuthenticationRequired) as refused:
        access.check_create_resource(ANONYMOUS, "p1")
    assert refused.value.code == "authentication_required" and refused.value.status == 401


# --- whose booking: access.booker --------------------------------------------------------------
def body(**fields) -> BookingIn:
    """A booking request without name or email unless given."""
    start = NOW + timedelta(days=1)
    return BookingIn(resource_id="r1", start=start, end=start + timedelta(hours=1), **fields)


def test_a_member_books_for_themselves_under_their_account_s_name():
    assert access.booker(body(), VERONIQUE, "p1") == access.Booker(
        "Véronique", "veronique@example.org", None, "m-veronique"
    )


def test_a_member_without_a_name_on_the_account_books_under_their_address():
    who = Caller(member_id="m-x", email="x@example.org")
    assert access.booker(body(), who, "p1").name == "x@example.org"


def test_a_member_may_give_another_name_for_themselves():
    assert access.booker(body(name="Véro"), VERONIQUE, "p1").name == "Véro"


def test_a_member_s_address_in_another_case_is_still_theirs():
    person = access.booker(body(email="VERONIQUE@Example.org"), VERONIQUE, "p1")
    assert (person.member_id, person.email) == ("m-veronique", "veronique@example.org")


def test_a_member_s_own_phone_is_kept():
    person = access.booker(body(email="veronique@example.org", phone=PHONE), VERONIQUE, "p1")
    assert (person.member_id, person.phone) == ("m-veronique", PHONE)


@pytest.mark.parametrize(
    "fields",
    [{"name": "Thierry", "email": "thierry@example.org"}, {"name": "Marceline", "phone": PHONE}],
    ids=["another-email", "phone-only"],
)
@pytest.mark.parametrize("who", [VERONIQUE, OTHER_MANAGER], ids=name)
def test_booking_for_someone_else_needs_to_manage_the_place(fields, who):
    with pytest.raises(Forbidden) as refused:
        access.booker(body(**fields), who, "p1")
    assert refused.value.status == 403
    assert refused.value.params == {"what": "place", "id": "p1", "action": "book for someone else"}


def test_a_manager_books_for_someone_by_phone_and_it_is_no_member_s():
    person = access.booker(body(name="Marceline", phone=PHONE), MANAGER, "p1")
    assert person == access.Booker("Marceline", None, PHONE, None)


def test_a_manager_books_for_someone_by_email_and_it_is_not_the_manager_s():
    person = access.booker(body(name="Marceline", email="marceline@example.org"), MANAGER, "p1")
    assert person == access.Booker("Marceline", "marceline@example.org", None, None)


@pytest.mark.parametrize("fields", [{"phone": PHONE}, {"email": "marceline@example.org"}])
def test_booking_for_someone_needs_their_name(fields):
    with pytest.raises(ValidationFailed) as refused:
        access.booker(body(**fields), MANAGER, "p1")
    assert refused.value.code == "validation_failed" and refused.value.status == 422
    assert refused.value.params == {"field": "name"}


def test_a_manager_without_someone_named_books_for_themselves():
    person = access.booker(body(), MANAGER, "p1")
    assert (person.member_id, person.email) == ("m-riez", MANAGER.email)


@pytest.mark.parametrize("who", [ADMIN, OPERATOR], ids=name)
@pytest.mark.parametrize(
    "fields",
    [{"email": "marceline@example.org"}, {"phone": PHONE}],
    ids=["by-email", "by-phone"],
)
def test_an_admin_or_the_operator_books_for_anyone_at_any_place(who, fields):
    person = access.booker(body(name="Marceline", **fields), who, "p2")
    assert person == access.Booker("Marceline", fields.get("email"), fields.get("phone"), None)


def test_the_operator_must_name_someone():
    """The operator has no address of their own: a booking needs the person's."""
    for fields in ({}, {"name": "Marceline"}):
        with pytest.raises(ValidationFailed) as refused:
            access.booker(body(**fields), OPERATOR, "p1")
        assert refused.value.status == 422 and refused.value.params == {"field": "email"}


@pytest.mark.parametrize(
    "fields", [{}, {"name": "Véronique", "email": "veronique@example.org"}, {"phone": PHONE}]
)
def test_anonymous_may_not_book(fields):
    with pytest.raises(AuthenticationRequired) as refused:
        access.booker(body(**fields), ANONYMOUS, "p1")
    assert refused.value.code == "authentication_required" and refused.value.status == 401


# --- who sees the person and cancels: access.owner_or_staff ------------------------------------
MARCELINE_S = SimpleNamespace(member_id=None, email="marceline@example.org")


@pytest.mark.parametrize(
    ("who", "place_id", "allowed"),
    [
        (MANAGER, "p1", True),
        (MANAGER, "p2", False),
        (MANAGER, None, False),  # a booking whose place is unknown: no manager's right
        (OTHER_MANAGER, "p1", False),
        (COORDINATOR, "p1", True),
        (MARCELINE, "p1", True),
        (THIERRY, "p1", False),
        (ANONYMOUS, "p1", False),
    ],
)
def test_owner_or_staff_counts_the_managers_of_the_booking_s_place_only(who, place_id, allowed):
    assert access.owner_or_staff(MARCELINE_S, who, place_id) is allowed


# --- a booking belongs to someone --------------------------------------------------------------
def test_a_signed_in_booking_records_the_member_and_the_address_lower_cased(resource):
    booking = book(resource, email="Veronique@Example.org")
    doc = stored(booking)
    assert doc["member_id"] == "m-veronique"
    assert doc["email_key"] == "veronique@example.org"
    assert (doc["place_id"], doc.get("phone")) == ("p1", None)


def test_anonymous_books_nothing(resource):
    with pytest.raises(AuthenticationRequired):
        book(resource, who=ANONYMOUS)
    assert Booking.objects.count() == 0 and taken(resource) == 0


def test_a_booking_for_someone_records_no_member_and_their_phone(resource):
    doc = stored(for_her(resource))
    assert "member_id" not in doc or doc["member_id"] is None
    assert (doc["name"], doc["email_key"], doc["phone"]) == (
        "Véronique",
        "veronique@example.org",
        PHONE,
    )


def test_a_booking_by_phone_only_is_stored_without_an_address(resource):
    doc = stored(for_her(resource, email=None, name="Marceline"))
    assert (doc["name"], doc.get("email"), doc.get("email_key"), doc["phone"]) == (
        "Marceline",
        None,
        None,
        PHONE,
    )


def test_a_key_replayed_by_another_caller_gets_no_booking(resource):
    """A retry answers the booking only to whoever made it: the person and the caller are in
    the digest."""
    book(resource, who=VERONIQUE, key="same")
    assert book(resource, who=VERONIQUE, key="same")["name"] == "Véronique"
    with pytest.raises(IdempotencyMismatch):  # the same body, another member: another person
        book(resource, who=VERONIQUE_BY_ADDRESS, key="same")
    with pytest.raises(AuthenticationRequired):
        book(resource, who=ANONYMOUS, key="same")
    for_her(resource, key="for-her", days=2)
    assert for_her(resource, key="for-her", days=2)["phone"] == PHONE
    with pytest.raises(IdempotencyMismatch):  # the same person, booked by someone else
        for_her(resource, who=ADMIN, key="for-her", days=2)


# --- reading: the person only to the owner and staff -------------------------------------------
@pytest.mark.parametrize("who", [*OWNERS, *STAFF, MANAGER], ids=name)
def test_the_owner_the_place_s_manager_and_staff_read_the_person(resource, who):
    booking = for_her(resource)  # in Véronique's name: hers by her address
    shown = queries.get_booking(booking["id"], who)
    assert (shown["name"], shown["email"], shown["phone"]) == (
        "Véronique",
        "veronique@example.org",
        PHONE,
    )


@pytest.mark.parametrize("who", STRANGERS, ids=name)
def test_anyone_else_reads_the_booking_without_the_person(resource, who):
    booking = for_her(resource)
    shown = queries.get_booking(booking["id"], who)
    assert shown["name"] is None and shown["email"] is None and shown["language"] is None
    assert shown["phone"] is None
    assert {k: shown[k] for k in access.PUBLIC_FIELDS} == {
        k: booking[k] for k in access.PUBLIC_FIELDS
    }


def test_a_member_id_alone_makes_the_owner_even_with_another_address(resource):
    booking = book(resource, who=VERONIQUE)
    # She has changed her account's address since.
    renamed = Caller(member_id="m-veronique", email="nouvelle@example.org")
    assert queries.get_booking(booking["id"], renamed)["email"] == "veronique@example.org"


@pytest.mark.parametrize("who", [*STAFF, MANAGER], ids=name)
def test_list_bookings_shows_the_people_to_staff_and_the_place_s_manager(resource, who):
    book(resource)
    [shown] = queries.list_bookings(resource["id"], who)
    assert shown["email"] == "veronique@example.org"


@pytest.mark.parametrize("who", STRANGERS, ids=name)
def test_list_bookings_hides_the_people_from_everyone_else(resource, who):
    book(resource)
    [shown] = queries.list_bookings(resource["id"], who)
    assert shown["name"] is None and shown["email"] is None


def test_list_bookings_shows_a_member_their_own_booking_only(resource):
    mine = book(resource)
    book(resource, who=THIERRY, key="k2", days=2, email="thierry@example.org")
    shown = {b["id"]: b["email"] for b in queries.list_bookings(resource["id"], VERONIQUE)}
    assert shown.pop(mine["id"]) == "veronique@example.org"
    assert list(shown.values()) == [None]


@pytest.mark.parametrize(("who", "sees"), [(MANAGER, True), (OTHER_MANAGER, False)], ids=name)
def test_a_booking_stored_without_its_place_takes_its_resource_s(resource, who, sees):
    """Bookings of earlier versions have no ``place_id``: the resource's place decides."""
    booking = for_her(resource)
    as_before_places(booking)
    assert queries.place_of(Booking.objects(id=booking["id"]).first()) == "p1"
    email = "veronique@example.org" if sees else None
    assert queries.get_booking(booking["id"], who)["email"] == email
    [listed] = queries.list_bookings(resource["id"], who)
    assert listed["email"] == email


def test_place_of_reads_the_resource_once_per_list(resource, monkeypatch):
    first, second = for_her(resource, key="a"), for_her(resource, key="b", days=2)
    as_before_places(first)
    as_before_places(second)
    known: dict = {}
    bookings = list(Booking.objects(id__in=[first["id"], second["id"]]))
    assert queries.place_of(bookings[0], known) == "p1" and known == {resource["id"]: "p1"}
    monkeypatch.setattr(Resource, "objects", None)  # a second read would fail
    assert queries.place_of(bookings[1], known) == "p1"


def test_a_booking_of_a_vanished_resource_has_no_place(resource):
    booking = for_her(resource)
    as_before_places(booking)
    Resource.objects.delete()
    assert queries.place_of(Booking.objects(id=booking["id"]).first()) is None
    assert queries.get_booking(booking["id"], MANAGER)["email"] is None


def test_an_unknown_or_malformed_id_is_not_found(resource):
    for bad in ("6650c0ffee0000000000000c", "not-an-id"):
        with pytest.raises(NotFound):
            queries.get_booking(bad, ADMIN)
        with pytest.raises(NotFound):
            commands.cancel_booking(bad, "k", RecordingStager("booking"), ADMIN, now=NOW)


# --- my bookings -------------------------------------------------------------------------------
def test_my_bookings_by_member_and_by_address_newest_first(resource):
    first = book(resource, who=VERONIQUE, key="a", days=3)
    second = for_her(resource, key="b", days=1)  # she phoned, before she signed up
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


def test_a_booking_made_by_a_manager_for_marceline_is_hers_not_the_manager_s(resource):
    made = for_her(resource, email="Marceline@example.org", name="Marceline")
    assert [b["id"] for b in queries.my_bookings(MARCELINE)] == [made["id"]]
    assert queries.my_bookings(MARCELINE)[0]["phone"] == PHONE
    assert queries.my_bookings(MANAGER) == []


@pytest.mark.parametrize("who", [ANONYMOUS, OPERATOR], ids=name)
def test_no_one_behind_the_caller_has_no_bookings(resource, who):
    book(resource)
    assert queries.my_bookings(who) == []


# --- cancelling --------------------------------------------------------------------------------
@pytest.mark.parametrize("who", [*OWNERS, *STAFF, MANAGER], ids=name)
def test_the_owner_the_place_s_manager_and_staff_cancel_and_the_seat_is_free_again(resource, who):
    booking = for_her(resource)
    assert taken(resource) == 4  # one seat in each quarter hour
    cancelled = cancel(booking, who)
    assert cancelled["status"] == "cancelled"
    assert taken(resource) == 0
    assert stored(booking)["status"] == states.CANCELLED
    book(resource, who=THIERRY, key="again", email="thierry@example.org")  # the seat is free


@pytest.mark.parametrize("who", STRANGERS, ids=name)
def test_anyone_else_cannot_cancel(resource, who):
    booking = for_her(resource)
    with pytest.raises(MaillageError) as refusal:
        cancel(booking, who)
    if who.anonymous:  # asked to sign in first
        assert (refusal.value.code, refusal.value.status) == ("authentication_required", 401)
    else:
        assert refusal.value.code == "forbidden" and refusal.value.status == 403
        assert refusal.value.params == {
            "what": "booking",
            "id": booking["id"],
            "action": "cancel this booking",
        }
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


@pytest.mark.parametrize("who", [COORDINATOR, MANAGER], ids=name)
def test_staff_cancelling_is_said_so(resource, who):
    booking = book(resource)
    Booking._get_collection().update_one({}, {"$set": {"outbox": []}})
    cancel(booking, who)
    assert stored(booking)["outbox"][0]["data"]["cancelled_by"] == "staff"


@pytest.mark.parametrize(("who", "allowed"), [(MANAGER, True), (OTHER_MANAGER, False)], ids=name)
def test_a_booking_stored_without_its_place_is_cancelled_by_its_resource_s_manager(
    resource, who, allowed
):
    booking = for_her(resource)
    as_before_places(booking)
    if allowed:
        assert cancel(booking, who)["status"] == "cancelled"
        assert taken(resource) == 0
        return
    with pytest.raises(Forbidden):
        cancel(booking, who)
    assert stored(booking)["status"] == states.CONFIRMED and taken(resource) == 4


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
    booking = for_her(resource, email="véronique@example.org")
    who = Caller(member_id="m-x", email="Véronique@example.org")
    assert queries.get_booking(booking["id"], who)["email"] == "véronique@example.org"
    hers = book(resource, who=who, key="k2", days=2, email=None)  # her own account's address
    assert stored(hers)["email"] == "Véronique@example.org"
