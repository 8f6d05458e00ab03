"""The operator's side of delivery against mongomock: suspended addresses after a permanent
refusal of the recipient, lifting them, the delivery log per address / event, retention.

The same through a real SMTP server that refuses: ``tests/service/test_delivery.py``.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest

from contracts.errors import AuthenticationRequired, Forbidden, IdempotencyMismatch
from contracts.identity import ANONYMOUS, Caller, TerritoryRole
from services.notifications import commands, delivery_log, retention, sender, suspensions
from services.notifications.models import Delivery, Suspension
from services.notifications.tests.samples import message
from services.notifications.tests.unit.test_sender import SETTINGS, FakeSmtp

ADMIN = Caller(member_id="m-admin", roles=(TerritoryRole.admin,))
OPERATOR = Caller(operator=True)
MEMBER = Caller(member_id="m-1", email="marceline@example.org")
REFUSED = smtplib.SMTPRecipientsRefused({"marceline@example.org": (550, b"5.1.1 no such user")})


@pytest.fixture
def smtp() -> FakeSmtp:
    return FakeSmtp()


def status(event_id: str, to: str = "marceline@example.org") -> str:
    return Delivery.objects(id=f"{event_id}:booking_confirmed:{to}").first().status


def test_a_refused_recipient_is_suspended_and_its_waiting_emails_not_sent(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e2", "booking_confirmed", message(), topic="bookings")
    commands.record("e3", "booking_confirmed", message("thierry@example.org"), topic="bookings")
    smtp.failures["marceline@example.org"] = REFUSED
    assert sender.send_due(SETTINGS, smtp) == 1
    assert [status(e) for e in ("e1", "e2")] == [Delivery.REFUSED, Delivery.SUSPENDED]
    assert status("e3", "thierry@example.org") == Delivery.SENT
    assert [r[1] for r in smtp.sent] == [["thierry@example.org"]]
    [row] = suspensions.list_suspensions(OPERATOR)
    assert row["email"] == "marceline@example.org" and "550" in row["reason"]
    assert row["delivery_id"] == "e1:booking_confirmed:marceline@example.org"


def test_a_suspended_address_gets_nothing_not_even_what_it_asks_for(smtp):
    suspensions.suspend("Marceline@Example.org", "550 no such user", "e0")
    assert commands.record("e1", "booking_confirmed", message(), topic="bookings") is False
    assert (
        commands.record("e2", "sign_in", message(), transactional=True, topic="transactional")
        is False
    )
    assert status("e1") == Delivery.SUSPENDED
    assert Delivery.objects(id="e2:sign_in:marceline@example.org").first().status == "suspended"
    assert sender.send_due(SETTINGS, smtp) == 0 and smtp.sent == []


@pytest.mark.parametrize(
    "refusal",
    [
        smtplib.SMTPSenderRefused(553, b"sender not allowed", "no-reply@maillage.example"),
        smtplib.SMTPDataError(554, b"rejected as spam"),
        smtplib.SMTPRecipientsRefused({"marceline@example.org": (450, b"mailbox busy")}),
    ],
)
def test_refusals_that_are_not_the_address_s_doing_suspend_nothing(smtp, refusal):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    smtp.failure = refusal
    sender.send_due(SETTINGS, smtp)
    assert Suspension.objects.count() == 0


def test_lifting_a_suspension_lets_emails_go_again_once_per_key(smtp):
    suspensions.suspend("marceline@example.org", "550 no such user", "e0")
    request = {"email": " Marceline@example.org", "idempotency_key": "k1"}
    answer = suspensions.lift(ADMIN, request)
    assert answer["email"] == "marceline@example.org" and answer["lifted"] is True
    assert suspensions.lift(ADMIN, request) == answer  # a retry answers the same
    with pytest.raises(IdempotencyMismatch):
        suspensions.lift(ADMIN, {"email": "thierry@example.org", "idempotency_key": "k1"})
    assert suspensions.list_suspensions(ADMIN) == []
    assert commands.record("e1", "booking_confirmed", message(), topic="bookings") is True
    assert sender.send_due(SETTINGS, smtp) == 1
    # Lifting an address that is not suspended is not an error.
    other = suspensions.lift(ADMIN, {"email": "x@example.org", "idempotency_key": "k2"})
    assert other["lifted"] is False


@pytest.mark.parametrize(
    ("who", "error"), [(ANONYMOUS, AuthenticationRequired), (MEMBER, Forbidden)]
)
def test_only_the_operator_or_an_admin_sees_and_lifts(who, error):
    suspensions.suspend("marceline@example.org", "550", "e0")
    with pytest.raises(error):
        suspensions.list_suspensions(who)
    with pytest.raises(error):
        suspensions.lift(who, {"email": "marceline@example.org", "idempotency_key": "k"})
    with pytest.raises(error):
        delivery_log.delivery_log(who, email="marceline@example.org")
    assert Suspension.objects.count() == 1


def test_the_log_per_address_per_event_and_per_status(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e1", "booking_confirmed", message("thierry@example.org"), topic="bookings")
    commands.record("e2", "booking_confirmed", message("Marceline@Example.org"), topic="bookings")
    smtp.failures["thierry@example.org"] = smtplib.SMTPDataError(554, b"spam")
    sender.send_due(SETTINGS, smtp)

    def events(rows):
        return sorted((r["event_id"], r["address"], r["status"]) for r in rows)

    mine = delivery_log.delivery_log(ADMIN, email="MARCELINE@example.org ")
    assert events(mine) == [
        ("e1", "marceline@example.org", "sent"),
        ("e2", "marceline@example.org", "sent"),
    ]
    assert all("raw" not in row for row in mine)
    assert events(delivery_log.delivery_log(OPERATOR, event_id="e1")) == [
        ("e1", "marceline@example.org", "sent"),
        ("e1", "thierry@example.org", "refused"),
    ]
    both = delivery_log.delivery_log(OPERATOR, email="marceline@example.org", event_id="e2")
    assert events(both) == [("e2", "marceline@example.org", "sent")]
    refused = delivery_log.delivery_log(OPERATOR, status="refused")
    assert events(refused) == [("e1", "thierry@example.org", "refused")]
    assert len(delivery_log.delivery_log(OPERATOR, limit=1)) == 1


def test_the_log_is_anonymised_after_six_months_and_deleted_after_two_years(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e2", "booking_confirmed", message("thierry@example.org"), topic="bookings")
    sender.send_due(SETTINGS, smtp)
    start = datetime.now(UTC)
    # Thierry's entry is a month younger.
    Delivery.objects(id="e2:booking_confirmed:thierry@example.org").update_one(
        set__created_at=start + timedelta(days=31)
    )
    assert retention.apply(start + timedelta(days=182)) == {"deleted": 0, "anonymised": 0}
    assert retention.apply(start + timedelta(days=184)) == {"deleted": 0, "anonymised": 1}
    [entry] = Delivery.objects(event_id="e1")
    stored = Delivery._get_collection().find_one({"_id": entry.id})
    assert "marceline" not in repr(stored).lower()
    assert entry.to == entry.address == retention.address_digest("marceline@example.org")
    assert entry.subject is None and entry.raw is None and entry.rcpt is None
    assert (entry.status, entry.kind, entry.attempts) == ("sent", "booking_confirmed", 1)
    # The operator who knows the address still finds it; a second pass changes nothing.
    [found] = delivery_log.delivery_log(OPERATOR, email="marceline@example.org")
    assert found["event_id"] == "e1" and found["anonymised_at"]
    assert retention.apply(start + timedelta(days=200)) == {"deleted": 0, "anonymised": 0}
    assert retention.apply(start + timedelta(days=729)) == {"deleted": 0, "anonymised": 1}
    assert retention.apply(start + timedelta(days=731)) == {"deleted": 1, "anonymised": 0}
    assert [d.event_id for d in Delivery.objects] == ["e2"]
    assert retention.apply(start + timedelta(days=762)) == {"deleted": 1, "anonymised": 0}
    assert Delivery.objects.count() == 0


def test_retention_runs_on_the_service_clock(monkeypatch):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    later = datetime.now(UTC) + timedelta(days=184)
    monkeypatch.setattr("services.common.clock.utc_now", lambda: later)
    assert retention.apply() == {"deleted": 0, "anonymised": 1}


def test_erasing_a_member_removes_their_suspension_and_their_address_from_the_log(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    smtp.failures["marceline@example.org"] = REFUSED
    sender.send_due(SETTINGS, smtp)
    suspensions.lift(ADMIN, {"email": "marceline@example.org", "idempotency_key": "k1"})
    suspensions.suspend("marceline@example.org", "550", "e1")
    erased = {"data": {"member_id": "m-1", "email": "Marceline@example.org"}}
    commands.erase_member(erased)
    assert Suspension.objects.count() == 0
    everything = [
        repr(list(Delivery._get_collection().find())),
        repr(list(suspensions.SuspensionLift._get_collection().find())),
    ]
    assert "marceline" not in " ".join(everything).lower()


def test_the_operator_s_lifts_are_anonymised_and_deleted_with_the_log():
    suspensions.suspend("marceline@example.org", "550", "e0")
    suspensions.lift(ADMIN, {"email": "marceline@example.org", "idempotency_key": "k1"})
    start = datetime.now(UTC)

    def lifts() -> list[str]:
        return [lift.email for lift in suspensions.SuspensionLift.objects]

    retention.apply(start + timedelta(days=100))
    assert lifts() == ["marceline@example.org"]
    retention.apply(start + timedelta(days=184))
    assert lifts() == [retention.address_digest("marceline@example.org")]
    retention.apply(start + timedelta(days=731))
    assert lifts() == []
