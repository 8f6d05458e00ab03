"""Notifications: events in, emails out through a real SMTP server; retries and dead letters."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from nameko import config
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.notifications.service import NotificationsService
from tests.samples import PLACE
from tests.support import error_code, metric_total, wait_until
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


@pytest.fixture
def notifications(start_service):
    return start_service(NotificationsService)


def handled(handler: str) -> float:
    """How many deliveries of events the inbox has finished with, whatever the outcome."""
    return metric_total("maillage_events_handled_total", service="notifications", handler=handler)


def confirmed(territory: str, **changes) -> dict:
    return make_event("booking", "booking_confirmed", {**BOOKING, **changes}, territory=territory)


def test_booking_confirmed_sends_one_french_email_with_invitation(
    notifications, smtp_server, territory
):
    event = confirmed(territory)
    dispatch = event_dispatcher()
    before = handled("on_booking_confirmed")
    dispatch("booking", "booking_confirmed", event)
    dispatch("booking", "booking_confirmed", event)  # the same event, twice
    # The positive signal: the inbox is done with both deliveries (as "ok" or "duplicate").
    wait_until(lambda: handled("on_booking_confirmed") >= before + 2)
    [message] = smtp_server.messages()
    assert message["To"].addresses[0].addr_spec == "marceline@example.org"
    assert message["List-Unsubscribe"]
    assert "Marceline" in message.get_body(("plain",)).get_content()
    assert "décembre" in message.get_body(("plain",)).get_content()
    [invitation] = [
        p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    calendar = Calendar.from_ical(invitation.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"


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


def test_failing_delivery_is_retried_parked_and_replayed(
    notifications, smtp_server, territory, rpc_client
):
    # SMTP unreachable: every attempt fails, then the event is parked as a dead letter.
    config["MAILLAGE"]["smtp_port"] = free_port()
    event = confirmed(territory, booking_id="b-dead")
    event_dispatcher()("booking", "booking_confirmed", event)
    [dead] = wait_until(lambda: rpc_client.notifications.dead_letters(), timeout=20)
    assert dead["attempts"] == 3
    assert dead["event"]["event_id"] == event["event_id"]
    assert smtp_server.messages() == []

    # The operator fixes SMTP and replays: the email goes out, the dead letter is gone.
    config["MAILLAGE"]["smtp_port"] = smtp_server.port
    assert rpc_client.notifications.replay_dead_letter(dead["id"]) is True
    [message] = wait_until(lambda: smtp_server.messages(), timeout=15)
    assert message["To"].addresses[0].addr_spec == "marceline@example.org"
    wait_until(lambda: rpc_client.notifications.dead_letters() == [])


def test_malformed_event_is_parked_not_lost(notifications, rpc_client):
    event_dispatcher()("booking", "booking_confirmed", {"not": "an envelope"})
    [dead] = wait_until(lambda: rpc_client.notifications.dead_letters())
    assert "malformed" in dead["last_error"]
    assert dead["event"] == {"not": "an envelope"}


def test_unsubscribed_person_gets_no_more_email(notifications, smtp_server, territory, rpc_client):
    from nameko.exceptions import RemoteError

    with pytest.raises(RemoteError) as error:
        rpc_client.notifications.unsubscribe("marceline@example.org", "forged")
    assert error_code(error.value) == "invalid_unsubscribe_link"

    event_dispatcher()("booking", "booking_confirmed", confirmed(territory, booking_id="b-1"))
    [message] = wait_until(lambda: smtp_server.messages())
    link = message["List-Unsubscribe"].strip("<>")
    token = link.split("token=")[1]
    assert rpc_client.notifications.unsubscribe("Marceline@example.org", token)["unsubscribed"]
    assert rpc_client.notifications.unsubscribe("marceline@example.org", token)["unsubscribed"]

    event_dispatcher()("booking", "booking_confirmed", confirmed(territory, booking_id="b-2"))
    wait_until(
        lambda: any(d["status"] == "suppressed" for d in rpc_client.notifications.deliveries())
    )
    assert len(smtp_server.messages()) == 1
