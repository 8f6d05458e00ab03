"""The email outbox (recording once per event, kind and recipient), suppression and the link
secret against mongomock. Sending is ``test_sender.py``.

The same rules with a real SMTP server, broker and database are in ``tests/service``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import SimpleNamespace

import pytest

from contracts.notifications import InvalidUnsubscribeLink
from services.notifications import commands, queries, rules
from services.notifications.models import ALIAS, Delivery, Secret, Suppression
from services.notifications.tests.samples import message
from tests.samples import BOOKING_CONFIRMED, PLACE
from tests.support import mongomock_alias

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    coordinator_email="coordination@maillage.example",
    default_language="fr",
    smtp_host="127.0.0.1",
    smtp_port=25,
    email_edit_window_seconds=300.0,
)


def delivery(key: str = "e1:booking_confirmed:marceline@example.org") -> Delivery:
    return Delivery.objects(id=key).first()


def parsed(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_an_email_is_recorded_pending_with_its_wire_form():
    before = datetime.now(UTC)
    assert commands.record("e1", "booking_confirmed", message(), topic="bookings") is True
    logged = delivery()
    assert (logged.status, logged.attempts) == (Delivery.PENDING, 0)
    assert logged.event_id == "e1" and logged.kind == "booking_confirmed"
    assert logged.to == "marceline@example.org" and logged.subject == "Réservation confirmée"
    assert logged.message_id == "<m1@maillage.example>"
    assert before - timedelta(seconds=1) <= logged.next_attempt_at <= datetime.now(UTC)
    assert logged.created_at is not None and logged.sent_at is None
    assert (logged.mail_from, logged.rcpt) == ("no-reply@maillage.example", logged.to)
    assert logged.smtputf8 is False
    assert b"\r\n" in logged.raw and parsed(logged.raw)["Subject"] == "Réservation confirmée"


def test_a_duplicate_event_records_nothing_more():
    assert commands.record("e1", "booking_confirmed", message(), topic="bookings") is True
    assert commands.record("e1", "booking_confirmed", message(), topic="bookings") is False
    assert Delivery.objects.count() == 1
    assert delivery().attempts == 0


def test_a_duplicate_after_the_send_records_nothing_either():
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    Delivery.objects(id=delivery().id).update_one(set__status=Delivery.SENT)
    assert commands.record("e1", "booking_confirmed", message(), topic="bookings") is False
    assert delivery().status == Delivery.SENT


def test_each_event_kind_and_recipient_is_its_own_delivery():
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e2", "booking_confirmed", message(), topic="bookings")
    commands.record("e1", "place_created", message(), topic="bookings")
    commands.record("e1", "booking_confirmed", message("thierry@example.org"), topic="bookings")
    assert Delivery.objects(status=Delivery.PENDING).count() == 4


def test_an_international_address_is_sent_with_smtputf8():
    commands.record("e1", "booking_confirmed", message("zoë@exämple.org"), topic="bookings")
    [logged] = Delivery.objects
    assert logged.smtputf8 is True and logged.rcpt == "zoë@exämple.org"
    assert "zoë@exämple.org".encode() in logged.raw


def test_a_suppressed_address_gets_nothing_but_a_trace():
    Suppression(email="marceline@example.org").save()
    to = "Marceline <Marceline@Example.org>"
    assert commands.record("e1", "booking_confirmed", message(to), topic="bookings") is False
    [trace] = Delivery.objects
    assert trace.status == Delivery.SUPPRESSED and trace.event_id == "e1"
    assert trace.kind == "booking_confirmed" and trace.subject == "Réservation confirmée"
    assert trace.created_at is not None and trace.raw is None
    # a duplicate leaves the one trace as it is
    assert commands.record("e1", "booking_confirmed", message(to), topic="bookings") is False
    assert Delivery.objects.count() == 1


def test_booking_confirmed_goes_to_the_person_with_a_signed_link():
    event = {"event_id": "e1", "data": BOOKING_CONFIRMED}
    assert commands.notify_booking_confirmed(SETTINGS, event) is True
    [logged] = Delivery.objects
    sent = parsed(logged.raw)
    assert sent["To"].addresses[0].addr_spec == BOOKING_CONFIRMED["email"]
    assert logged.rcpt == BOOKING_CONFIRMED["email"]
    assert sent["From"] == SETTINGS.mail_from
    token = rules.token_for(commands.link_secret(), BOOKING_CONFIRMED["email"])
    assert f"token={token}" in sent["List-Unsubscribe"]
    assert commands.notify_booking_confirmed(SETTINGS, event) is False  # the same event again
    assert (logged.id, logged.kind) == (f"e1:booking_confirmed:{sent['To']}", "booking_confirmed")


@pytest.mark.parametrize(
    "notify", [commands.notify_booking_confirmed, commands.notify_booking_cancelled]
)
@pytest.mark.parametrize("email", [None, ""], ids=["null", "empty"])
def test_a_booking_without_an_email_records_nothing(notify, email):
    """Booked by a manager for someone reached by phone: the facilitator calls them."""
    data = {**BOOKING_CONFIRMED, "email": email, "cancelled_by": "staff", "sequence": 1}
    assert notify(SETTINGS, {"event_id": "e1", "data": data}) is False
    absent = {k: v for k, v in data.items() if k != "email"}  # an event without the field
    assert notify(SETTINGS, {"event_id": "e2", "data": absent}) is False
    assert Delivery.objects.count() == 0
    # The same event with an address is recorded: only the missing address said no.
    with_email = {**data, "email": BOOKING_CONFIRMED["email"]}
    assert notify(SETTINGS, {"event_id": "e3", "data": with_email}) is True
    [logged] = Delivery.objects
    assert logged.rcpt == BOOKING_CONFIRMED["email"]


def test_a_hostile_name_that_got_by_still_makes_a_sendable_email():
    data = {**BOOKING_CONFIRMED, "name": "=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?="}
    assert commands.notify_booking_confirmed(SETTINGS, {"event_id": "e1", "data": data})
    [logged] = Delivery.objects
    assert logged.to == BOOKING_CONFIRMED["email"]  # the bare address
    assert b"victim" not in logged.raw.split(b"\r\n\r\n")[0]


def test_place_created_goes_to_the_coordinator():
    event = {"event_id": "e2", "data": {"place_id": "p1", **PLACE}}
    assert commands.notify_place_created(SETTINGS, event) is True
    logged = delivery("e2:place_created:coordination@maillage.example")
    sent = parsed(logged.raw)
    assert sent["To"] == "coordination@maillage.example"
    assert sent["From"] == SETTINGS.mail_from
    token = rules.token_for(commands.link_secret(), "coordination@maillage.example")
    assert f"token={token}" in sent["List-Unsubscribe"]
    assert logged.status == Delivery.PENDING


def test_recent_deliveries_are_newest_first_bounded_and_filtered():
    for n in range(3):
        commands.record(f"e{n}", "booking_confirmed", message(), topic="bookings")
    for n, year in ((0, 2030), (1, 2028), (2, 2029)):  # not the order they were made in
        Delivery.objects(event_id=f"e{n}").update_one(
            set__created_at=datetime(year, 1, 1, tzinfo=UTC)
        )
    Delivery.objects(event_id="e1").update_one(set__status=Delivery.REFUSED)
    rows = queries.recent_deliveries(2)
    assert [r["event_id"] for r in rows] == ["e0", "e2"]
    assert rows[0]["created_at"].startswith("2030-01-01")
    assert "_id" not in rows[0] and "raw" not in rows[0] and rows[0]["status"] == "pending"
    assert len(queries.recent_deliveries(10_000)) == 3
    assert [r["event_id"] for r in queries.recent_deliveries(10, "refused")] == ["e1"]
    assert queries.MAX_LISTED == 500


def test_the_suppressed_trace_is_dated(db):
    Suppression(email="marceline@example.org").save()
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    raw = db.deliveries.find_one()
    assert raw["status"] == "suppressed" and raw["created_at"] is not None


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


def test_each_territory_has_its_own_secret():

    first = commands.link_secret()
    with mongomock_alias(ALIAS, db="other"):
        assert commands.link_secret() != first


def address_changed(previous: str | None, occurred: str = "2030-01-02T00:00:00+00:00") -> dict:
    return {
        "event_id": f"e-{previous}",
        "occurred_at": occurred,
        "data": {
            "member_id": "m-ondine",
            "email": "ondine@ailleurs.example",
            "name": "Ondine",
            "previous_email": previous,
        },
    }


def test_an_unsubscribe_wish_follows_the_person_to_their_new_address():
    commands.unsubscribe(
        "Ondine@Example.org", commands.token_for(commands.link_secret(), "ondine@example.org")
    )
    assert not queries.is_suppressed("ondine@ailleurs.example")
    commands.keep_contact(address_changed(None))  # a name change: nothing moves
    assert not queries.is_suppressed("ondine@ailleurs.example")
    commands.keep_contact(address_changed("ondine@example.org"))
    assert queries.is_suppressed("ondine@ailleurs.example")


def test_a_new_address_of_someone_who_never_unsubscribed_stays_open():
    commands.keep_contact(address_changed("ondine@example.org"))
    assert not queries.is_suppressed("ondine@ailleurs.example")
    assert Suppression.objects.count() == 0
