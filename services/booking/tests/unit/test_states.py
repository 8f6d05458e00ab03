"""The booking state machine as plain data and functions: every transition, allowed or not."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from contracts.booking import BookingStatus
from services.booking.rules import states

# Written out here rather than read from the table, so that a change to the table must be
# made twice, on purpose.
EXPECTED = {
    ("held", "confirmed"),
    ("held", "awaiting_approval"),
    ("held", "waitlisted"),
    ("held", "rejected"),
    # the waitlist (services/booking/waitlist.py): a promoted booking offered its seats,
    # then accepted, lapsed (back in line, or off it) or left
    ("held", "offered"),
    ("offered", "confirmed"),
    ("offered", "awaiting_approval"),
    ("offered", "waitlisted"),
    ("offered", "rejected"),
    ("offered", "cancelled"),
    ("awaiting_approval", "confirmed"),
    ("awaiting_approval", "rejected"),
    ("awaiting_approval", "cancelled"),
    ("waitlisted", "held"),
    ("waitlisted", "rejected"),
    ("waitlisted", "cancelled"),
    ("confirmed", "cancelled"),
    # the place restores a cancelled booking (restore.py)
    ("cancelled", "confirmed"),
    # the outcome, recorded by the place, and its corrections
    ("confirmed", "checked_in"),
    ("confirmed", "no_show"),
    ("confirmed", "excused"),
    ("checked_in", "no_show"),
    ("checked_in", "excused"),
    ("no_show", "checked_in"),
    ("no_show", "excused"),
    ("excused", "checked_in"),
    ("excused", "no_show"),
    # "pending", as earlier versions stored "held", leaves by the same doors
    ("pending", "confirmed"),
    ("pending", "awaiting_approval"),
    ("pending", "waitlisted"),
    ("pending", "rejected"),
    ("pending", "offered"),
}
STORED = [
    "held",
    "pending",
    "awaiting_approval",
    "waitlisted",
    "confirmed",
    "rejected",
    "cancelled",
    "checked_in",
    "no_show",
    "excused",
    "offered",
]
PAIRS = list(itertools.product(STORED, STORED))
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def test_the_states_are_these():
    assert set(states.STORED) == set(STORED)
    assert set(STORED) - {"pending"} == states.STATES
    assert {"rejected"} == states.FINAL


def test_the_contract_declares_every_current_state():
    assert {s.value for s in BookingStatus} == states.STATES


@pytest.mark.parametrize(("source", "target"), [p for p in PAIRS if p in EXPECTED])
def test_allowed_transition(source, target):
    assert states.allowed(source, target)
    states.check(source, target)  # does not raise


@pytest.mark.parametrize(("source", "target"), [p for p in PAIRS if p not in EXPECTED])
def test_refused_transition(source, target):
    assert not states.allowed(source, target)
    with pytest.raises(states.IllegalTransition):
        states.check(source, target)


@pytest.mark.parametrize("target", STORED)
def test_an_unknown_status_goes_nowhere(target):
    assert not states.allowed("lost", target)


def test_nothing_leads_back_to_the_legacy_status():
    assert not any(states.allowed(source, "pending") for source in STORED)


@pytest.mark.parametrize("status", STORED)
def test_only_a_request_in_flight_can_be_abandoned(status):
    long_ago = NOW - timedelta(days=30)
    assert states.is_abandoned(status, long_ago, NOW) is (status in {"held", "pending"})


def test_a_held_booking_is_abandoned_from_the_limit_on():
    limit = NOW - states.ABANDONED_AFTER
    assert states.is_abandoned("held", limit, NOW)
    assert not states.is_abandoned("held", limit + timedelta(seconds=1), NOW)


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED))
def test_seats_are_given_back_exactly_when_leaving_the_states_that_keep_them(source, target):
    keeps = {"held", "pending", "awaiting_approval", "confirmed", "offered"}
    keeps |= {"checked_in", "no_show", "excused"}  # the period was used (or lost) as it was
    assert states.releases_seats(source, target) is (source in keeps and target not in keeps)


def test_the_canonical_name_of_pending_is_held():
    assert states.canonical("pending") == "held"
    assert all(states.canonical(s) == s for s in states.STATES)


@pytest.mark.parametrize("outcome", ["checked_in", "no_show", "excused"])
def test_an_outcome_keeps_its_seats_and_can_no_longer_be_cancelled(outcome):
    assert outcome in states.HOLDS_SEATS
    assert not states.allowed(outcome, "cancelled")
    assert not states.releases_seats("confirmed", outcome)


def test_an_offer_holds_its_seats_until_accepted_or_given_back():
    assert "offered" in states.HOLDS_SEATS and "waitlisted" not in states.HOLDS_SEATS
    assert not states.releases_seats("offered", "confirmed")
    assert all(states.releases_seats("offered", t) for t in ("waitlisted", "rejected", "cancelled"))
    assert not states.is_abandoned("offered", NOW - timedelta(days=30), NOW)  # the timer's
