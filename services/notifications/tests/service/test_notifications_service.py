"""Notifications: events in, emails out through a real SMTP server; retries and dead letters."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar
from nameko import config
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.common.tests.callers import VERONIQUE
from services.notifications.service import NotificationsService
from services.notifications.tests.service.helpers import handled
from tests.samples import PLACE
from tests.support import error_code, metric_total, read_emails, wait_until
from tools.infra import free_port

BOOKING = {
    "booking_id": "b1",
    "resource_id": "r1",
    "resource_name": "Permanence d'aide numérique",
    "place_id": "p1",
    "place_name": "Tiers-lieu de Riez",
    "start": "2026-12-01T09:00:00+01:00",
    "end": "2026-12-01T09:30:00+01:00",
    "seats": 1,
    "name": "Marceline",
    "email": "marceline@example.org",
    "language": "fr",
}


def confirmed(territory: str, **changes) -> dict:
    return make_event("booking", "booking_confirmed", {**BOOKING, **changes}, territory=territory)


def test_booking_confirmed_sends_one_french_email_with_invitation(
    notifications, smtp_server, territory, rpc_client, operator
):
    event = confirmed(territory)
    dispatch = event_dispatcher()
    before = handled("on_booking_confirmed")
    dispatch("booking", "booking_confirmed", event)
    dispatch("booking", "booking_confirmed", event)  # the same event, twice
    # The positive signal: the inbox is done with both deliveries (as "ok" or "duplicate").
    wait_until(lambda: handled("on_booking_confirmed") >= before + 2)
    # Then the sender is done with the one delivery recorded.
    wait_until(lambda: operator.notifications.deliveries(10, "sent"))
    assert len(operator.notifications.deliveries(10)) == 1
    [message] = wait_until(lambda: smtp_server.messages())
    assert message["To"].addresses[0].addr_spec == "marceline@example.org"
    assert message["List-Unsubscribe"]
    assert "Marceline" in message.get_body(("plain",)).get_content()
    assert "décembre" in message.get_body(("plain",)).get_content()
    [invitation] = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    calendar = Calendar.from_ical(invitation.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"


def test_a_booking_without_an_email_is_not_emailed(
    notifications, smtp_server, territory, rpc_client, operator
):
    """Booked by a manager for someone reached by phone: neither the confirmation nor the
    cancellation has anyone to go to; the same events with an address still go."""
    dispatch = event_dispatcher()

    def handled_ok(handler: str) -> float:
        return metric_total(
            "maillage_events_handled_total", service="notifications", handler=handler, outcome="ok"
        )

    before = {h: handled_ok(h) for h in ("on_booking_confirmed", "on_booking_cancelled")}
    cancelled = {"cancelled_by": "staff", "sequence": 1}
    for person in ({"booking_id": "b-phone", "email": None}, {"booking_id": "b-email"}):
        for kind, extra in [("booking_confirmed", {}), ("booking_cancelled", cancelled)]:
            data = {**BOOKING, **person, **extra}
            dispatch("booking", kind, make_event("booking", kind, data, territory=territory))
    # The positive signal: the inbox handled the four events, each successfully (an event
    # without an address is not an error to retry).
    wait_until(lambda: all(handled_ok(h) >= n + 2 for h, n in before.items()))
    assert operator.notifications.dead_letters() == []
    wait_until(lambda: len(operator.notifications.deliveries(10, "sent")) == 2)
    delivered = operator.notifications.deliveries(10)
    assert sorted(d["kind"] for d in delivered) == ["booking_cancelled", "booking_confirmed"]
    assert {d["rcpt"] for d in delivered} == {"marceline@example.org"}
    assert len(smtp_server.messages()) == 2


def test_place_created_emails_the_coordinator(notifications, smtp_server, territory):
    event = make_event(
        "directory",
        "place_created",
        {
            **PLACE,
            "place_id": "p2",
            "name": "L'Atelier",
            "commune": "Mende",
            "postal_code": "48000",
        },
        territory=territory,
    )
    event_dispatcher()("directory", "place_created", event)
    [message] = wait_until(lambda: smtp_server.messages())
    assert message["To"] == config["MAILLAGE"].get(
        "coordinator_email", "coordination@maillage.local"
    )
    assert "L'Atelier" in message.get_body(("plain",)).get_content()


def test_smtp_away_leaves_the_email_waiting_and_it_goes_when_smtp_is_back(
    notifications, smtp_server, territory, rpc_client, operator
):
    # SMTP unreachable: the handler records the email and succeeds; the sender waits.
    config["MAILLAGE"]["smtp_port"] = free_port()
    event = confirmed(territory, booking_id="b-wait")
    before = metric_total("maillage_events_handled_total", service="notifications", outcome="ok")
    unreachable = metric_total("maillage_emails_total", outcome="unreachable")
    event_dispatcher()("booking", "booking_confirmed", event)
    wait_until(
        lambda: (
            metric_total("maillage_events_handled_total", service="notifications", outcome="ok")
            >= before + 1
        )
    )
    # Several rounds find SMTP away (more than the handler's 3 attempts would have allowed).
    wait_until(
        lambda: metric_total("maillage_emails_total", outcome="unreachable") >= unreachable + 4,
        timeout=20,
    )
    [waiting] = operator.notifications.deliveries(10, "pending")
    assert waiting["event_id"] == event["event_id"] and waiting["attempts"] == 0
    assert operator.notifications.dead_letters() == []
    assert smtp_server.messages() == []

    # SMTP is back: the email goes by itself, once.
    config["MAILLAGE"]["smtp_port"] = smtp_server.port
    [message] = wait_until(lambda: smtp_server.messages(), timeout=15)
    assert message["To"].addresses[0].addr_spec == "marceline@example.org"
    [sent] = wait_until(lambda: operator.notifications.deliveries(10, "sent"))
    assert sent["event_id"] == event["event_id"] and sent["attempts"] == 1
    assert operator.notifications.dead_letters() == []


def test_two_instances_send_each_email_once(
    start_service, smtp_server, territory, rpc_client, operator
):
    start_service(NotificationsService)
    start_service(NotificationsService)
    dispatch = event_dispatcher()
    people = [f"p{n}@example.org" for n in range(10)]
    for n, email in enumerate(people):
        dispatch(
            "booking", "booking_confirmed", confirmed(territory, booking_id=f"b{n}", email=email)
        )
    wait_until(lambda: len(operator.notifications.deliveries(50, "sent")) == len(people))
    sent = [m["To"].addresses[0].addr_spec for m in smtp_server.messages()]
    assert sorted(sent) == sorted(people)


def test_malformed_event_is_parked_not_lost(notifications, rpc_client, operator):
    event_dispatcher()("booking", "booking_confirmed", {"not": "an envelope"})
    [dead] = wait_until(lambda: operator.notifications.dead_letters())
    assert "malformed" in dead["last_error"]
    assert dead["event"] == {"not": "an envelope"}


def test_unsubscribed_person_gets_no_more_email(
    notifications, smtp_server, territory, rpc_client, operator
):
    from nameko.exceptions import RemoteError

    with pytest.raises(RemoteError) as error:
        rpc_client.notifications.unsubscribe("marceline@example.org", "forged")
    assert error_code(error.value) == "invalid_unsubscribe_link"

    event_dispatcher()("booking", "booking_confirmed", confirmed(territory, booking_id="b-1"))
    [message] = wait_until(lambda: smtp_server.messages())
    link = message["List-Unsubscribe"].strip("<>")
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert rpc_client.notifications.unsubscribe("Marceline@example.org", token)["unsubscribed"]
    assert rpc_client.notifications.unsubscribe("marceline@example.org", token)["unsubscribed"]

    event_dispatcher()("booking", "booking_confirmed", confirmed(territory, booking_id="b-2"))
    wait_until(
        lambda: any(d["status"] == "suppressed" for d in operator.notifications.deliveries())
    )
    assert len(smtp_server.messages()) == 1


def place_event(territory: str, name: str) -> dict:
    data = {**PLACE, "place_id": f"p-{name}", "name": name}
    return make_event("directory", "place_created", data, territory=territory)


def test_dead_letters_are_replayed_in_bulk_by_type(
    notifications, smtp_server, territory, rpc_client, operator
):
    # A coordinator address that cannot be an email header: every place_created event fails.
    config["MAILLAGE"]["coordinator_email"] = "coordination@maillage.local\nBcc: x@y.z"
    dispatch = event_dispatcher()
    for name in ("Lieu A", "Lieu B"):
        dispatch("directory", "place_created", place_event(territory, name))
    dispatch("booking", "booking_confirmed", confirmed(territory, name="=?utf-8?q?x?= ok"))
    wait_until(lambda: len(operator.notifications.dead_letters()) == 2, timeout=20)
    assert {d["event"]["type"] for d in operator.notifications.dead_letters()} == {"place_created"}

    # The operator fixes the address, then replays every place_created parked so far.
    config["MAILLAGE"]["coordinator_email"] = "coordination@maillage.local"
    until = "2999-01-01T00:00:00+00:00"
    assert operator.notifications.replay_dead_letters("booking_confirmed", None, until) == 0
    assert operator.notifications.replay_dead_letters("place_created", None, until) == 2
    wait_until(lambda: len(read_emails(smtp_server.directory, "coordination@maillage.local")) == 2)
    wait_until(lambda: operator.notifications.dead_letters() == [])
    assert operator.notifications.replay_dead_letters() == 0


def test_an_undecodable_message_is_parked_and_the_consumer_goes_on(
    notifications, smtp_server, territory, rpc_client, service_config, operator
):
    import pika

    from services.common.topology import Consumer

    queue = Consumer("booking", "booking_confirmed", "notifications", "on_booking_confirmed").queue
    connection = pika.BlockingConnection(pika.URLParameters(service_config["AMQP_URI"]))
    try:
        channel = connection.channel()
        for body, content_type in ((b"\xff{not json", "application/json"), (b"hi", "text/plain")):
            channel.basic_publish("", queue, body, pika.BasicProperties(content_type=content_type))
    finally:
        connection.close()
    event_dispatcher()("booking", "booking_confirmed", confirmed(territory, booking_id="b-ok"))
    wait_until(lambda: smtp_server.messages())
    letters = wait_until(
        lambda: (lambda d: d if len(d) == 2 else None)(operator.notifications.dead_letters())
    )
    assert sorted(d["event"] for d in letters) == ["\\xff{not json", "hi"]
    assert all("undecodable" in d["last_error"] for d in letters)


def test_the_delivery_log_and_dead_letters_are_the_operator_s_alone_on_the_bus(
    notifications, rpc_client, operator, as_
):
    """Addresses and whole events: the service refuses them to an anonymous call (a service
    on the bus, a forged client) and to a member, whatever the gateway checks first."""
    member = as_(VERONIQUE)
    for method, args in (("deliveries", (10,)), ("dead_letters", ()), ("replay_dead_letters", ())):
        with pytest.raises(RemoteError) as anonymous:
            getattr(rpc_client.notifications, method)(*args)
        assert error_code(anonymous.value) == "authentication_required"
        with pytest.raises(RemoteError) as refused:
            getattr(member.notifications, method)(*args)
        assert error_code(refused.value) == "forbidden"
    assert operator.notifications.deliveries(10) == []
    assert operator.notifications.dead_letters() == []
