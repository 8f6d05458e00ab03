"""Delivery claims, suppression and the link secret against mongomock; SMTP is a list.

The same rules with a real SMTP server, broker and database are in ``tests/service``.
"""

from __future__ import annotations

import smtplib
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from types import SimpleNamespace

import pytest

from contracts.notifications import InvalidUnsubscribeLink
from services.notifications import commands, queries, rules
from services.notifications.models import ALIAS, Delivery, Secret, Suppression
from tests.samples import BOOKING_CONFIRMED, PLACE
from tests.support import mongomock_alias

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    coordinator_email="coordination@maillage.example",
    default_language="fr",
    smtp_host="127.0.0.1",
    smtp_port=25,
)


@pytest.fixture(autouse=True)
def db():
    commands._known.clear()
    with mongomock_alias(ALIAS) as database:
        yield database
    commands._known.clear()


class Outbox:
    """Stands for the SMTP server: what was sent, or the failure to raise."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.failure: Exception | None = None

    def __call__(self, settings, message: EmailMessage) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)


@pytest.fixture
def smtp(monkeypatch) -> Outbox:
    outbox = Outbox()
    monkeypatch.setattr(commands, "send", outbox)
    return outbox


def message(to: str = "marceline@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = to
    msg["Subject"] = "Réservation confirmée"
    msg["Message-ID"] = "<m1@maillage.example>"
    msg.set_content("Bonjour")
    return msg


def delivery(key: str = "e1:booking_confirmed:marceline@example.org") -> Delivery:
    return Delivery.objects(id=key).first()


def test_a_message_is_sent_once_and_logged(smtp):
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is True
    assert len(smtp.sent) == 1
    logged = delivery()
    assert (logged.status, logged.attempts) == (Delivery.SENT, 1)
    assert logged.event_id == "e1" and logged.kind == "booking_confirmed"
    assert logged.to == "marceline@example.org" and logged.subject == "Réservation confirmée"
    assert logged.message_id == "<m1@maillage.example>" and logged.sent_at is not None


def test_a_duplicate_event_sends_nothing_more(smtp):
    commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is False
    assert len(smtp.sent) == 1
    assert delivery().attempts == 1


def test_each_event_kind_and_recipient_is_its_own_delivery(smtp):
    commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    commands.deliver(SETTINGS, "e2", "booking_confirmed", message())
    commands.deliver(SETTINGS, "e1", "place_created", message())
    commands.deliver(SETTINGS, "e1", "booking_confirmed", message("thierry@example.org"))
    assert len(smtp.sent) == 4


def test_a_send_in_progress_is_not_taken_over_by_a_duplicate(smtp):
    now = datetime.now(UTC)
    Delivery(
        id="e1:booking_confirmed:marceline@example.org",
        event_id="e1",
        kind="booking_confirmed",
        to="marceline@example.org",
        status=Delivery.SENDING,
        attempts=1,
        claimed_until=now + timedelta(seconds=30),
    ).save()
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is False
    assert smtp.sent == []


def test_an_abandoned_claim_is_taken_over_after_its_lease(smtp):
    Delivery(
        id="e1:booking_confirmed:marceline@example.org",
        event_id="e1",
        kind="booking_confirmed",
        to="marceline@example.org",
        status=Delivery.SENDING,
        attempts=1,
        claimed_until=datetime.now(UTC) - timedelta(seconds=1),
    ).save()
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is True
    assert len(smtp.sent) == 1
    assert (delivery().status, delivery().attempts) == (Delivery.SENT, 2)


def test_a_claim_lasts_its_lease(monkeypatch):
    seen = []
    monkeypatch.setattr(
        commands, "send", lambda settings, msg: seen.append(delivery().claimed_until)
    )
    before = datetime.now(UTC)
    commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    [claimed_until] = seen
    assert timedelta(minutes=2) - timedelta(seconds=1) < claimed_until - before
    assert claimed_until - before <= timedelta(minutes=2, seconds=1)


def test_a_failed_send_is_logged_and_sent_again_by_the_retry(smtp):
    smtp.failure = smtplib.SMTPServerDisconnected("gone")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    failed = delivery()
    assert failed.status == Delivery.FAILED
    assert failed.last_error == "SMTPServerDisconnected: gone"
    assert failed.claimed_until <= datetime.now(UTC)  # free to take over at once
    time.sleep(0.002)  # times are stored to the millisecond: let the retry come after it

    smtp.failure = ConnectionRefusedError("refused")  # an OSError: the server is away
    with pytest.raises(ConnectionRefusedError):
        commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    assert delivery().attempts == 2
    time.sleep(0.002)

    smtp.failure = None
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is True
    assert len(smtp.sent) == 1
    assert (delivery().status, delivery().attempts) == (Delivery.SENT, 3)


def test_a_sent_message_is_never_sent_again_even_with_an_old_claim(smtp):
    commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    Delivery.objects(id=delivery().id).update_one(
        set__claimed_until=datetime.now(UTC) - timedelta(hours=1)
    )
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is False
    assert len(smtp.sent) == 1


def test_a_suppressed_address_gets_nothing_but_a_trace(smtp):
    Suppression(email="marceline@example.org").save()
    to = "Marceline <Marceline@Example.org>"
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message(to)) is False
    assert smtp.sent == []
    [trace] = Delivery.objects
    assert trace.status == Delivery.SUPPRESSED and trace.event_id == "e1"
    assert trace.kind == "booking_confirmed" and trace.subject == "Réservation confirmée"
    assert trace.created_at is not None
    # a duplicate leaves the one trace as it is
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message(to)) is False
    assert Delivery.objects.count() == 1


def test_unsubscribe_needs_the_signed_token_and_is_idempotent():
    with pytest.raises(InvalidUnsubscribeLink):
        commands.unsubscribe("marceline@example.org", "forged")
    assert not queries.is_suppressed("marceline@example.org")
    token = rules.token_for(commands.link_secret(), "marceline@example.org")
    answer = commands.unsubscribe(" Marceline@example.org", token)
    assert answer == {"email": "marceline@example.org", "unsubscribed": True}
    since = Suppression.objects.get(email="marceline@example.org").since
    assert commands.unsubscribe("marceline@example.org", token)["unsubscribed"]
    assert Suppression.objects.get(email="marceline@example.org").since == since
    assert queries.is_suppressed("MARCELINE@example.org ")
    assert not queries.is_suppressed("thierry@example.org")


def test_the_link_secret_is_made_once_and_kept():
    secret = commands.link_secret()
    assert len(secret) == 64
    [stored] = Secret.objects
    assert stored.name == commands.SECRET_ID and stored.value.encode() == secret
    commands._known.clear()  # another worker, or a restart
    assert commands.link_secret() == secret
    assert Secret.objects.count() == 1


def test_a_secret_made_by_another_worker_meanwhile_stands(monkeypatch):
    theirs = Secret(name=commands.SECRET_ID, value="ab" * 32)
    real_first = type(Secret.objects).first
    calls = []

    def first_missing_then_theirs(queryset):
        calls.append(1)
        if len(calls) == 1:
            theirs.save(force_insert=True)  # created between our read and our insert
            return None
        return real_first(queryset)

    monkeypatch.setattr(type(Secret.objects), "first", first_missing_then_theirs)
    assert commands.link_secret() == b"ab" * 32


def test_booking_confirmed_goes_to_the_person_with_a_signed_link(smtp):
    event = {"event_id": "e1", "data": BOOKING_CONFIRMED}
    assert commands.notify_booking_confirmed(SETTINGS, event) is True
    [sent] = smtp.sent
    assert sent["To"].addresses[0].addr_spec == BOOKING_CONFIRMED["email"]
    assert sent["From"] == SETTINGS.mail_from
    token = rules.token_for(commands.link_secret(), BOOKING_CONFIRMED["email"])
    assert f"token={token}" in sent["List-Unsubscribe"]
    assert commands.notify_booking_confirmed(SETTINGS, event) is False  # the same event again
    logged = delivery(f"e1:booking_confirmed:{sent['To']}")
    assert (logged.kind, logged.status) == ("booking_confirmed", Delivery.SENT)


def test_place_created_goes_to_the_coordinator(smtp):
    event = {"event_id": "e2", "data": {"place_id": "p1", **PLACE}}
    assert commands.notify_place_created(SETTINGS, event) is True
    [sent] = smtp.sent
    assert sent["To"] == "coordination@maillage.example"
    assert sent["From"] == SETTINGS.mail_from
    token = rules.token_for(commands.link_secret(), "coordination@maillage.example")
    assert f"token={token}" in sent["List-Unsubscribe"]
    assert delivery("e2:place_created:coordination@maillage.example").status == Delivery.SENT


def test_recent_deliveries_are_newest_first_and_bounded(smtp):
    for n in range(3):
        commands.deliver(SETTINGS, f"e{n}", "booking_confirmed", message())
    for n, year in ((0, 2030), (1, 2028), (2, 2029)):  # not the order they were made in
        Delivery.objects(event_id=f"e{n}").update_one(
            set__created_at=datetime(year, 1, 1, tzinfo=UTC)
        )
    rows = queries.recent_deliveries(2)
    assert [r["event_id"] for r in rows] == ["e0", "e2"]
    assert rows[0]["created_at"].startswith("2030-01-01")
    assert "_id" not in rows[0] and rows[0]["status"] == "sent"
    assert len(queries.recent_deliveries(10_000)) == 3
    assert queries.MAX_LISTED == 500


def test_a_takeover_claims_its_own_delivery_only_and_holds_it_while_sending(smtp, monkeypatch):
    past = datetime.now(UTC) - timedelta(seconds=1)
    for event_id, status in (("e1", Delivery.FAILED), ("e9", Delivery.FAILED)):
        Delivery(
            id=f"{event_id}:booking_confirmed:marceline@example.org",
            event_id=event_id,
            kind="booking_confirmed",
            to="marceline@example.org",
            status=status,
            attempts=1,
            claimed_until=past,
        ).save()
    during = []
    monkeypatch.setattr(commands, "send", lambda settings, msg: during.append(delivery()))
    before = datetime.now(UTC)
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is True
    [claimed] = during
    assert claimed.status == Delivery.SENDING
    assert claimed.claimed_until - before > commands.CLAIM_LEASE - timedelta(seconds=1)
    other = delivery("e9:booking_confirmed:marceline@example.org")
    assert (other.status, other.attempts) == (Delivery.FAILED, 1)  # untouched


def test_a_live_claim_elsewhere_does_not_let_a_duplicate_send(smtp):
    live = datetime.now(UTC) + timedelta(minutes=1)
    past = datetime.now(UTC) - timedelta(minutes=1)
    for event_id, status, until in (("e1", Delivery.SENDING, live), ("e9", Delivery.FAILED, past)):
        Delivery(
            id=f"{event_id}:booking_confirmed:marceline@example.org",
            event_id=event_id,
            kind="booking_confirmed",
            to="marceline@example.org",
            status=status,
            claimed_until=until,
        ).save()
    assert commands.deliver(SETTINGS, "e1", "booking_confirmed", message()) is False
    assert smtp.sent == []


def test_the_suppressed_trace_is_dated(smtp, db):
    Suppression(email="marceline@example.org").save()
    commands.deliver(SETTINGS, "e1", "booking_confirmed", message())
    raw = db.deliveries.find_one()
    assert raw["status"] == "suppressed" and raw["created_at"] is not None


def test_each_territory_has_its_own_secret():
    from tests.support import mongomock_alias

    first = commands.link_secret()
    with mongomock_alias(ALIAS, db="other"):
        assert commands.link_secret() != first
