"""Reminders and restoring a cancelled booking against a real RabbitMQ vhost, SecantusDB and
SMTP sink, with two instances of the booking service.

The sweeps run here with a chosen ``now`` (the reminder moment of a booking three days
ahead), each with the event stager of one running instance: their events go through that
instance's real outbox relay to notifications, which emails the person. The instances' own
timers sweep at the real time, when nothing of these bookings is due.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from icalendar import Calendar
from nameko.exceptions import RemoteError

from services.booking import reminders
from services.booking.models import Booking, KnownPlace
from services.booking.service import BookingService
from services.booking.tests.loads import taken_list
from services.common.outbox import EventStager, OutboxRelay
from services.common.tests.callers import MANAGER, THIERRY, VERONIQUE
from services.notifications.service import NotificationsService
from tests.support import EventTap, error_code, wait_until


@pytest.fixture(autouse=True)
def quick_email(service_config):
    service_config["MAILLAGE"].update(email_poll_seconds=0.1, email_retry_base_seconds=0.1)


@pytest.fixture
def instances(start_service):
    """Two instances of the booking service, and notifications."""
    started = [start_service(BookingService), start_service(BookingService)]
    start_service(NotificationsService)
    return started


def stager(container) -> EventStager:
    [relay] = [d for d in container.dependencies if isinstance(d, OutboxRelay)]
    return EventStager(relay, None)


START = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
# Late November in Paris: no DST change, so the 24 h reminder is 24 real hours before.
DUE = START - timedelta(hours=24) + timedelta(minutes=1)


def new_resource(as_, **settings) -> dict:
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    payload = {"name": "Bureau partagé", "kind": "desk_pool", "seats": 1, **settings}
    return as_(MANAGER).booking.create_resource("place-1", payload, uuid.uuid4().hex)


def wanted(resource_id: str, email: str | None = "veronique@example.org", **more) -> dict:
    person = {"email": email} if email else {"phone": "04 92 00 00 00"}
    return {
        "resource_id": resource_id,
        "start": START.isoformat(),
        "end": (START + timedelta(hours=1)).isoformat(),
        "seats": 1,
        "name": "Véronique",
        **person,
        **more,
    }


def mails(smtp_server, word: str) -> list:
    return [m for m in smtp_server.messages() if word in str(m["Subject"])]


def reminder_events(amqp_uri) -> EventTap:
    return EventTap(amqp_uri, "booking", "booking_reminder_due")


def test_two_instances_sweeping_together_send_one_reminder(
    instances, as_, amqp_uri, smtp_server, rpc_client, operator
):
    tap = reminder_events(amqp_uri)
    resource = new_resource(as_)
    made = as_(VERONIQUE).booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    # Nothing is due before its moment.
    assert reminders.send_due(stager(instances[0]), DUE - timedelta(minutes=2)) == 0

    sweeps = [eventlet.spawn(reminders.send_due, stager(c), DUE) for c in instances * 2]
    assert sum(s.wait() for s in sweeps) == 1
    [event] = tap.take(1)
    assert tap.take(1, timeout=1.0) == []
    tap.close()
    assert event["data"]["booking_id"] == made["id"]
    assert event["data"]["hours_before"] == 24
    assert event["data"]["place_name"] == "Riez"

    [message] = wait_until(lambda: mails(smtp_server, "Rappel"))
    assert message["To"].addresses[0].addr_spec == "veronique@example.org"
    assert "Bureau partagé" in str(message["Subject"])
    assert message["List-Unsubscribe"]
    # A later sweep finds it sent.
    assert reminders.send_due(stager(instances[1]), DUE + timedelta(minutes=5)) == 0
    wait_until(lambda: len(operator.notifications.deliveries(20, "sent")) >= 2)
    assert len(mails(smtp_server, "Rappel")) == 1


def test_two_instances_that_read_it_before_either_claimed_it_claim_it_once(instances, as_):
    resource = new_resource(as_)
    made = as_(VERONIQUE).booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    # Both read the booking while its reminder was still unclaimed.
    seen = [Booking.objects(id=made["id"]).first() for _ in instances]
    claims = [reminders.claim(b, stager(c), DUE) for b, c in zip(seen, instances, strict=True)]
    assert claims == [True, False]
    stored = Booking.objects(id=made["id"]).first()
    assert [e["type"] for e in stored.outbox if e["type"] == "booking_reminder_due"] in (
        ["booking_reminder_due"],
        [],  # already relayed
    )
    assert stored.reminder_sent_at is not None


def test_a_cancelled_booking_gets_no_reminder(instances, as_, amqp_uri, smtp_server):
    tap = reminder_events(amqp_uri)
    resource = new_resource(as_)
    veronique = as_(VERONIQUE)
    made = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    veronique.booking.cancel_booking(made["id"], uuid.uuid4().hex)
    assert reminders.send_due(stager(instances[0]), DUE) == 0
    assert tap.take(1, timeout=1.0) == []
    tap.close()
    wait_until(lambda: mails(smtp_server, "annulée"))
    assert mails(smtp_server, "Rappel") == []


def test_a_cancellation_racing_the_sweep_wins_or_comes_after_the_one_reminder(
    instances, as_, amqp_uri
):
    tap = reminder_events(amqp_uri)
    resource = new_resource(as_)
    veronique = as_(VERONIQUE)
    made = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    # The sweep read it confirmed; the cancellation lands before its claim.
    seen = Booking.objects(id=made["id"]).first()
    veronique.booking.cancel_booking(made["id"], uuid.uuid4().hex)
    assert reminders.claim(seen, stager(instances[0]), DUE) is False
    assert tap.take(1, timeout=1.0) == []

    # Both at once: at most one reminder, and if one, published before the cancellation (a
    # booking's events go out in the order of its writes).
    tap.close()
    both = EventTap(amqp_uri, "booking", "booking_cancelled")
    both.channel.queue_bind(
        queue=both.queue, exchange="booking.events", routing_key="booking_reminder_due"
    )
    other = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    sweep = eventlet.spawn(reminders.send_due, stager(instances[1]), DUE)
    veronique.booking.cancel_booking(other["id"], uuid.uuid4().hex)
    sent = sweep.wait()
    assert Booking.objects(id=other["id"]).first().status == "cancelled"
    mine = other["id"]
    # Up to a minute: a relay replica whose publish was cut (a loaded broker) keeps its lease
    # on the booking's events for 30 s before another replica publishes them.
    told = both.take_until(
        lambda e: e["type"] == "booking_cancelled" and e["data"]["booking_id"] == mine,
        timeout=60.0,
    )
    told += both.take(1, timeout=1.0)
    both.close()
    types = [e["type"] for e in told if e["data"]["booking_id"] == mine]
    assert types == ["booking_reminder_due"] * sent + ["booking_cancelled"]
    assert sent <= 1


def test_no_reminder_for_a_booking_without_an_email_or_a_resource_that_sends_none(
    instances, as_, amqp_uri
):
    tap = reminder_events(amqp_uri)
    by_phone = new_resource(as_)
    as_(MANAGER).booking.create_booking(wanted(by_phone["id"], email=None), uuid.uuid4().hex)
    silent = new_resource(as_, reminder_hours_before=None)
    assert silent["reminder_hours_before"] is None
    as_(VERONIQUE).booking.create_booking(wanted(silent["id"]), uuid.uuid4().hex)
    assert reminders.send_due(stager(instances[0]), DUE) == 0
    assert tap.take(1, timeout=1.0) == []
    tap.close()


def test_the_place_restores_a_cancelled_booking_and_the_person_is_told(
    instances, as_, amqp_uri, smtp_server
):
    tap = EventTap(amqp_uri, "booking", "booking_restored")
    resource = new_resource(as_)
    veronique, manager = as_(VERONIQUE), as_(MANAGER)
    made = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    cancel_key = uuid.uuid4().hex
    veronique.booking.cancel_booking(made["id"], cancel_key)
    assert sum(taken_list(resource["id"])) == 0

    # Not hers to restore, nor another member's.
    for who in (veronique, as_(THIERRY)):
        with pytest.raises(RemoteError) as refusal:
            who.booking.restore_booking(made["id"], uuid.uuid4().hex)
        assert error_code(refusal.value) == "forbidden"

    key = uuid.uuid4().hex
    restored = manager.booking.restore_booking(made["id"], key)
    assert restored["status"] == "confirmed"
    assert manager.booking.restore_booking(made["id"], key) == restored  # idempotent
    assert sum(taken_list(resource["id"])) == 4  # its seat for its four quarters again
    # A late retry of the cancellation that was undone does not cancel it again.
    assert veronique.booking.cancel_booking(made["id"], cancel_key)["status"] == "confirmed"
    assert sum(taken_list(resource["id"])) == 4
    [event] = tap.take(1)
    assert tap.take(1, timeout=1.0) == []
    tap.close()
    assert event["data"]["sequence"] == 2 and event["data"]["restored_by"] == MANAGER.member_id

    [message] = wait_until(lambda: mails(smtp_server, "rétablie"))
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    [vevent] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == f"booking-{made['id']}@maillage"
    assert int(vevent["SEQUENCE"]) == 2

    # Its reminder is due again, once.
    assert reminders.send_due(stager(instances[0]), DUE) == 1
    wait_until(lambda: mails(smtp_server, "Rappel"))

    # Cancelled again: the calendar's next revision.
    cancel = EventTap(amqp_uri, "booking", "booking_cancelled")
    veronique.booking.cancel_booking(made["id"], uuid.uuid4().hex)
    [again] = cancel.take(1)
    cancel.close()
    assert again["data"]["sequence"] == 3


def test_a_booking_whose_seat_was_taken_since_cannot_be_restored(instances, as_):
    resource = new_resource(as_)
    veronique, manager = as_(VERONIQUE), as_(MANAGER)
    made = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    veronique.booking.cancel_booking(made["id"], uuid.uuid4().hex)
    as_(THIERRY).booking.create_booking(
        wanted(resource["id"], email="thierry@example.org"), uuid.uuid4().hex
    )
    with pytest.raises(RemoteError) as refusal:
        manager.booking.restore_booking(made["id"], uuid.uuid4().hex)
    assert error_code(refusal.value) == "no_seat_left"
    assert veronique.booking.get_booking(made["id"])["status"] == "cancelled"
    assert sum(taken_list(resource["id"])) == 4  # Thierry's seat only, never two
    # A confirmed booking is answered again; a rejected one is not restorable.
    thierry = Booking.objects(email="thierry@example.org").first()
    again = manager.booking.restore_booking(str(thierry.id), uuid.uuid4().hex)
    assert again["status"] == "confirmed"


def test_an_appointment_s_reminder_carries_its_motif_mode_and_agent(instances, as_, amqp_uri):
    from services.booking.rules import reminders as rules
    from services.booking.tests.service.test_permanences_service import permanence, tuesday

    tap = reminder_events(amqp_uri)
    KnownPlace.objects(place_id="place-1").update_one(upsert=True, set__name="Riez")
    made = as_(MANAGER).booking.create_permanence("place-1", permanence(), uuid.uuid4().hex)
    start = tuesday(0, 9)
    wanted = {"motif": "demarches", "start": start.isoformat(), "mode": "phone"}
    wanted["phone"] = "06 12 34 56 78"
    mine = as_(VERONIQUE).booking.book_appointment(made["id"], wanted, uuid.uuid4().hex)
    due = rules.reminder_moment(start, 24, "Europe/Paris") + timedelta(minutes=1)
    assert reminders.send_due(stager(instances[0]), due) == 1
    [event] = tap.take(1)
    tap.close()
    assert event["data"]["booking_id"] == mine["id"]
    shown = event["data"]["appointment"]
    assert (shown["motif"], shown["motif_label"], shown["mode"]) == (
        "demarches",
        "Démarches en ligne",
        "phone",
    )
    assert (shown["agent_name"], shown["phone"]) == ("Paul", "06 12 34 56 78")


def test_a_booking_is_restored_only_before_it_starts(instances, as_):
    from contracts.booking import RestoreTooLate
    from services.booking import restore

    resource = new_resource(as_)
    veronique = as_(VERONIQUE)
    made = veronique.booking.create_booking(wanted(resource["id"]), uuid.uuid4().hex)
    veronique.booking.cancel_booking(made["id"], uuid.uuid4().hex)
    with pytest.raises(RestoreTooLate):
        restore.restore_booking(made["id"], "k-late", stager(instances[0]), MANAGER, now=START)
    assert Booking.objects(id=made["id"]).first().status == "cancelled"
    assert sum(taken_list(resource["id"])) == 0  # nothing taken by the refused restore
    before = START - timedelta(minutes=1)
    shown = restore.restore_booking(made["id"], "k-ok", stager(instances[0]), MANAGER, now=before)
    assert shown["status"] == "confirmed"
    # Restored a minute before the start: its reminder moment has passed, none is recorded.
    assert Booking.objects(id=made["id"]).first().reminder_due is None
