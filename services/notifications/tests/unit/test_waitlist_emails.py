"""The waitlist's emails: on the list (with the leave link), a seat offered (accept and
leave links, until when), in the booking's language; none once booking counted the entry's
messages out, none when the person leaves the list themselves."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.notifications import commands, compose
from services.notifications.models import Delivery
from tests.samples import BOOKING_CONFIRMED

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
KW = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
WAITLISTED = {**BOOKING_CONFIRMED, "position": 2, "leave_token": "b1.leave", "message": 1}
OFFERED = {
    **BOOKING_CONFIRMED,
    "expires_at": "2026-11-28T11:00:00+01:00",
    "accept_token": "b1.accept",
    "leave_token": "b1.leave",
    "message": 2,
}


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_notice_gives_the_position_and_a_one_click_leave_link():
    message = compose.waitlist_message("booking_waitlisted", WAITLISTED, **KW)
    assert "liste d'attente" in str(message["Subject"])
    body = text(message)
    assert "position 2" in body
    assert "https://maillage.example/waitlist/leave?token=b1.leave" in body


def test_the_offer_says_until_when_in_english_too():
    message = compose.waitlist_message("booking_offered", {**OFFERED, "language": "en"}, **KW)
    body = text(message)
    assert "until Saturday, 28 November 2026 at 11:00" in body
    assert "https://maillage.example/waitlist/accept?token=b1.accept" in body
    assert "https://maillage.example/waitlist/leave?token=b1.leave" in body


@pytest.mark.parametrize(
    ("kind", "data"), [("booking_waitlisted", WAITLISTED), ("booking_offered", OFFERED)]
)
def test_recorded_once_per_event(kind, data):
    event = {"event_id": "w1", "type": kind, "data": data}
    assert commands.notify_waitlist(SETTINGS, event) is True
    assert commands.notify_waitlist(SETTINGS, event) is False  # redelivered
    [logged] = Delivery.objects
    assert (logged.kind, logged.rcpt) == (kind, data["email"])


def test_no_fourth_message():
    """Booking counted the entry's three messages out: ``message`` 0, nothing sent."""
    event = {"event_id": "w2", "type": "booking_offered", "data": {**OFFERED, "message": 0}}
    assert commands.notify_waitlist(SETTINGS, event) is False
    assert Delivery.objects.count() == 0


@pytest.mark.parametrize("previous", ["waitlisted", "offered"])
def test_leaving_the_list_sends_nothing(previous):
    data = {**BOOKING_CONFIRMED, "cancelled_by": "owner", "previous_status": previous}
    event = {"event_id": "w3", "type": "booking_cancelled", "data": data}
    assert commands.notify_booking_cancelled(SETTINGS, event) is False
    assert Delivery.objects.count() == 0
