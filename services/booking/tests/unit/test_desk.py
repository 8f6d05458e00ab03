"""The facilitator's desk on mongomock (services/booking/desk.py, planning.py): requests
awaiting approval hold their seats until approved or rejected (then freed), the place's
managers and territory staff alone decide; cancelling someone else's booking needs a reason;
check-in and outcomes from their time on, correctable, keeping the seats; the planning of a
place for its desk."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from bson import ObjectId

from contracts.booking import (
    BookingStarted,
    CheckInClosed,
    NoOutcomeForStatus,
    NotAwaitingApproval,
    NotCancellable,
    OutcomeTooEarly,
    PlanningRangeTooLong,
    ReasonRequired,
)
from contracts.errors import AuthenticationRequired, Forbidden, ValidationFailed
from contracts.identity import ANONYMOUS, Caller
from services.booking import commands, desk, planning, queries
from services.booking.models import Booking
from services.booking.rules import states
from services.booking.tests.loads import quarter_loads
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

from .test_access import NOW, PHONE, book

DESK = [MANAGER, ADMIN, COORDINATOR, OPERATOR]
NOT_DESK = [ANONYMOUS, VERONIQUE, THIERRY, OTHER_MANAGER]  # VERONIQUE: the owner herself
WHY = {"reason": "La salle est prise par un atelier"}
START = NOW + timedelta(days=1)  # test_access.book starts a day after NOW, for an hour


def name(who: Caller) -> str:
    return caller_name(who)


@pytest.fixture
def approved_only(resource) -> dict:
    """Riez's desk, booked on the place's approval."""
    stager = RecordingStager("booking")
    change = {"approval_required": True}
    return {**resource, **commands.update_resource(resource["id"], change, "u", stager, MANAGER)}


@pytest.fixture
def request_(approved_only) -> dict:
    """Véronique's request, awaiting the place's answer."""
    return book(approved_only)


def taken(resource: dict) -> int:
    return sum(quarter_loads(resource["id"]).values())


def stored(booking: dict) -> dict:
    return Booking._get_collection().find_one({"_id": ObjectId(booking["id"])})


def events(booking: dict) -> list[tuple[str, dict]]:
    return [(e["type"], e["data"]) for e in stored(booking).get("outbox", [])]


def kinds(booking: dict) -> list[str]:
    return [kind for kind, _ in events(booking)]


def approve(booking: dict, who: Caller = MANAGER) -> dict:
    return desk.approve_booking(booking["id"], "a", RecordingStager("booking"), who)


def reject(booking: dict, who: Caller = MANAGER, payload: dict = WHY) -> dict:
    return desk.reject_booking(booking["id"], payload, "r", RecordingStager("booking"), who)


def cancel(booking: dict, who: Caller, payload: dict | None = None, now: datetime = NOW) -> dict:
    stager = RecordingStager("booking")
    return commands.cancel_booking(booking["id"], "c", stager, who, now=now, payload=payload)


def check_in(booking: dict, now: datetime, who: Caller = MANAGER) -> dict:
    return desk.check_in(booking["id"], "i", RecordingStager("booking"), who, now=now)


def outcome(booking: dict, what: str, now: datetime, who: Caller = MANAGER) -> dict:
    payload = {"outcome": what}
    return desk.record_outcome(booking["id"], payload, "o", RecordingStager("booking"), who, now)


# --- the approval flow ---------------------------------------------------------------------
def test_a_request_awaits_the_place_holding_its_seats(approved_only, request_):
    assert request_["status"] == "awaiting_approval"
    assert stored(request_)["status"] == states.AWAITING_APPROVAL
    assert taken(approved_only) == 4  # its four quarter hours, kept for it
    [(kind, data)] = events(request_)
    assert kind == "booking_requested" and data["booking_id"] == request_["id"]
    assert book(approved_only) == request_  # a retry with its key answers it again


@pytest.mark.parametrize("who", [MANAGER, ADMIN], ids=name)
def test_who_runs_the_place_books_without_approval(approved_only, who):
    made = book(approved_only, who=who, key="by-desk", phone=PHONE)
    assert made["status"] == "confirmed" and kinds(made) == ["booking_confirmed"]


def test_without_approval_required_a_booking_is_confirmed_at_once(resource):
    made = book(resource)
    assert made["status"] == "confirmed" and kinds(made) == ["booking_confirmed"]


@pytest.mark.parametrize("who", DESK, ids=name)
def test_the_desk_approves_and_the_confirmation_goes_out(approved_only, request_, who):
    approved = approve(request_, who)
    assert approved["status"] == "confirmed" == stored(request_)["status"]
    assert kinds(request_) == ["booking_requested", "booking_confirmed"]
    assert taken(approved_only) == 4
    assert approve(request_, who) == approved  # answered again, nothing more said
    assert kinds(request_) == ["booking_requested", "booking_confirmed"]


@pytest.mark.parametrize("who", NOT_DESK, ids=name)
def test_no_one_else_approves_or_rejects(approved_only, request_, who):
    expected = AuthenticationRequired if who.anonymous else Forbidden
    with pytest.raises(expected):
        approve(request_, who)
    with pytest.raises(expected):
        reject(request_, who)
    assert stored(request_)["status"] == states.AWAITING_APPROVAL and taken(approved_only) == 4


@pytest.mark.parametrize("who", DESK, ids=name)
def test_the_desk_rejects_with_a_reason_and_the_seats_are_free(approved_only, request_, who):
    rejected = reject(request_, who)
    assert rejected["status"] == "rejected" and taken(approved_only) == 0
    assert stored(request_)["reason"] == WHY["reason"]
    [_, (kind, data)] = events(request_)
    assert kind == "booking_rejected" and data["reason"] == WHY["reason"]
    assert reject(request_, who) == rejected and len(events(request_)) == 2
    book(approved_only, who=THIERRY, key="t", email="thierry@example.org")  # the seat is free


def test_a_rejection_needs_a_reason(request_):
    for payload in ({}, {"reason": ""}, {"reason": "x" * 501}):
        with pytest.raises(ValidationFailed):
            reject(request_, payload=payload)
    assert stored(request_)["status"] == states.AWAITING_APPROVAL


def test_a_rejected_request_cannot_be_approved_nor_an_approved_one_rejected(approved_only):
    refused, approved = book(approved_only), book(approved_only, key="k2", days=2)
    reject(refused)
    approve(approved)
    with pytest.raises(NotAwaitingApproval) as error:
        approve(refused)
    assert (error.value.code, error.value.status) == ("booking_not_awaiting_approval", 409)
    assert error.value.params == {"status": "rejected"}
    with pytest.raises(NotAwaitingApproval):
        reject(approved)
    assert stored(approved)["status"] == states.CONFIRMED and taken(approved_only) == 4


def test_the_owner_withdraws_her_request_and_its_seats_are_free(approved_only, request_):
    withdrawn = cancel(request_, VERONIQUE)
    assert withdrawn["status"] == "cancelled" and taken(approved_only) == 0
    [_, (kind, data)] = events(request_)
    assert kind == "booking_cancelled"
    assert (data["previous_status"], data["cancelled_by"], data["reason"]) == (
        "awaiting_approval",
        "owner",
        None,
    )
    with pytest.raises(NotAwaitingApproval):
        approve(request_)


# --- cancelling with a reason ----------------------------------------------------------------
def test_the_desk_gives_a_reason_to_cancel_someone_else_s_booking(resource):
    hers = book(resource)
    with pytest.raises(ReasonRequired) as error:
        cancel(hers, MANAGER)
    assert (error.value.status, error.value.params) == (422, {"field": "reason"})
    assert stored(hers)["status"] == states.CONFIRMED
    cancel(hers, MANAGER, {"reason": "Fermeture exceptionnelle"})
    [_, (_, data)] = events(hers)
    assert (data["reason"], data["cancelled_by"]) == ("Fermeture exceptionnelle", "staff")
    assert data["previous_status"] == "confirmed" and taken(resource) == 0


def test_the_owner_needs_no_reason_nor_a_manager_for_her_own_booking(resource):
    assert cancel(book(resource), VERONIQUE)["status"] == "cancelled"
    own = book(resource, who=MANAGER, key="own", email=MANAGER.email)
    assert cancel(own, MANAGER)["status"] == "cancelled"


def test_the_desk_cancels_until_the_end_the_owner_until_the_start(resource):
    hers = book(resource)
    during = START + timedelta(minutes=30)
    with pytest.raises(BookingStarted):
        cancel(hers, VERONIQUE, now=during)
    with pytest.raises(BookingStarted):
        cancel(hers, MANAGER, WHY, now=START + timedelta(hours=1))
    assert cancel(hers, MANAGER, WHY, now=during)["status"] == "cancelled"


# --- check-in and outcome -----------------------------------------------------------------
def test_check_in_opens_half_an_hour_before_and_closes_at_the_end(resource):
    hers = book(resource)
    for too_early_or_late in (START - timedelta(minutes=31), START + timedelta(hours=1)):
        with pytest.raises(CheckInClosed) as error:
            check_in(hers, too_early_or_late)
        assert error.value.params == {
            "opens": (START - timedelta(minutes=30)).isoformat(),
            "closes": (START + timedelta(hours=1)).isoformat(),
        }
    came = check_in(hers, START - timedelta(minutes=30))
    assert came["status"] == "checked_in" == stored(hers)["status"]
    [_, (kind, data)] = events(hers)
    assert kind == "booking_outcome_recorded"
    assert (data["outcome"], data["previous_status"]) == ("checked_in", "confirmed")
    assert check_in(hers, START + timedelta(hours=2)) == came  # done: answered again
    assert len(events(hers)) == 2 and taken(resource) == 4  # the seat stays taken


@pytest.mark.parametrize("who", NOT_DESK, ids=name)
def test_no_one_else_checks_in_or_records_an_outcome(resource, who):
    hers = book(resource)
    expected = AuthenticationRequired if who.anonymous else Forbidden
    with pytest.raises(expected):
        check_in(hers, START, who)
    with pytest.raises(expected):
        outcome(hers, "no_show", START, who)
    assert stored(hers)["status"] == states.CONFIRMED


def test_an_outcome_once_begun_then_corrected_keeping_the_seats(resource):
    hers = book(resource)
    with pytest.raises(OutcomeTooEarly) as error:
        outcome(hers, "no_show", START - timedelta(minutes=1))
    assert (error.value.code, error.value.status) == ("outcome_too_early", 409)
    assert outcome(hers, "no_show", START)["status"] == "no_show"
    assert outcome(hers, "excused", START + timedelta(days=1))["status"] == "excused"
    assert outcome(hers, "seen", START + timedelta(days=1))["status"] == "checked_in"
    outcomes = [(d["previous_status"], d["outcome"]) for k, d in events(hers)[1:]]
    assert outcomes == [("confirmed", "no_show"), ("no_show", "excused"), ("excused", "checked_in")]
    assert taken(resource) == 4
    with pytest.raises(NotCancellable):
        cancel(hers, MANAGER, WHY, now=START)
    assert queries.get_booking(hers["id"], VERONIQUE)["status"] == "checked_in"
    assert queries.my_bookings(VERONIQUE)[0]["status"] == "checked_in"


def test_an_outcome_is_refused_to_a_request_or_a_cancelled_booking(approved_only, request_):
    with pytest.raises(NoOutcomeForStatus) as error:
        check_in(request_, START)
    assert error.value.params == {"status": "awaiting_approval"}
    mine = book(approved_only, who=MANAGER, key="own", days=2, email=MANAGER.email)
    cancel(mine, MANAGER)
    with pytest.raises(NoOutcomeForStatus):
        outcome(mine, "seen", START + timedelta(days=2))


def test_an_unknown_outcome_is_refused(resource):
    with pytest.raises(ValidationFailed):
        outcome(book(resource), "maybe", START)


# --- the planning ---------------------------------------------------------------------------
def test_the_planning_shows_the_day_s_bookings_with_the_person(approved_only):
    confirmed = book(approved_only, who=MANAGER, key="m", phone=PHONE)
    waiting = book(approved_only, key="w", seats=1, days=1.25)  # 14:00 local, the same day
    refused = book(approved_only, key="x", days=1.5)
    reject(refused)
    tomorrow = book(approved_only, key="t", days=2)
    in_flight = book(approved_only, key="f", days=1.375)  # 18:00 local: a request still
    Booking._get_collection().update_one(  # taking its seats is no one's to handle yet
        {"_id": ObjectId(in_flight["id"])}, {"$set": {"status": states.HELD}}
    )
    day = START.date().isoformat()  # 09:00 in Riez
    got = planning.planning("p1", day, 1, MANAGER)
    assert [b["id"] for b in got["bookings"]] == [confirmed["id"], waiting["id"]]
    first = got["bookings"][0]
    assert (first["name"], first["phone"], first["resource_name"]) == ("Véronique", PHONE, "Bureau")
    assert [b["status"] for b in got["bookings"]] == ["confirmed", "awaiting_approval"]
    week = planning.planning("p1", day, 7, COORDINATOR)
    assert tomorrow["id"] in [b["id"] for b in week["bookings"]]
    assert week["days"] == 7 and week["timezone"] == "Europe/Paris"


@pytest.mark.parametrize("who", NOT_DESK, ids=name)
def test_the_planning_is_the_desk_s_only(resource, who):
    with pytest.raises(AuthenticationRequired if who.anonymous else Forbidden):
        planning.planning("p1", None, 1, who)


def test_the_planning_covers_one_to_seven_days(resource):
    for days in (0, 8):
        with pytest.raises(PlanningRangeTooLong):
            planning.planning("p1", None, days, MANAGER)
    with pytest.raises(ValidationFailed):
        planning.planning("p1", "2030-02-30", 1, MANAGER)
