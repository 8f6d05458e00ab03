"""The reply relay's rules: one address per conversation, a reply goes to the other party
only, from Maillage's address, with no header of the original, and nobody else may write."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from types import SimpleNamespace

import pytest

from services.notifications import commands, places, relay
from services.notifications.models import Conversation, Delivery
from tests.samples import BOOKING_CONFIRMED

DOMAIN = "relais.maillage.example"
SYSTEM = "Maillage <no-reply@maillage.example>"
MARCELINE = ("marceline@example.org", "Marceline Dupont")
PLACE = ("accueil@grange.example", "La Grange numérique")


def opened() -> str:
    return relay.open_conversation(b"secret", DOMAIN, "booking:b1", MARCELINE, PLACE)


def received(sender: str, subject: str = "Re: votre réservation", extra: str = "") -> object:
    raw = (
        f"From: Someone <{sender}>\r\nTo: x@{DOMAIN}\r\nSubject: {subject}\r\n"
        f"Cc: spy@example.org\r\nMessage-ID: <abc@sender.example>\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJe serai en retard de dix minutes.\r\n"
    ).encode()
    return BytesParser(policy=policy.default).parsebytes(raw)


def test_one_address_per_conversation_whoever_opens_it():
    address = opened()
    assert relay.ADDRESS.match(address) and address.endswith("@" + DOMAIN)
    assert opened() == address
    swapped = relay.open_conversation(b"secret", DOMAIN, "booking:b1", PLACE, MARCELINE)
    assert swapped == address and Conversation.objects.count() == 1
    other = relay.open_conversation(b"secret", DOMAIN, "booking:b2", MARCELINE, PLACE)
    assert other != address
    assert relay.open_conversation(b"other", DOMAIN, "booking:b1", MARCELINE, PLACE) != address


def test_a_reply_goes_to_the_other_party_from_maillage_with_nothing_of_the_original():
    address = opened()
    key, message = relay.forward(
        received("Marceline@Example.org"),
        "Marceline@Example.org",
        address,
        domain=DOMAIN,
        system_from=SYSTEM,
    )
    assert message["To"].addresses[0].addr_spec == PLACE[0]
    assert str(message["From"]) == "Marceline Dupont via Maillage <no-reply@maillage.example>"
    assert message["Reply-To"] == address
    assert message["Cc"] is None and "abc@sender.example" not in str(message["Message-ID"])
    assert "marceline@example.org" not in message.as_string().lower()
    assert "en retard" in message.get_content()
    again, _ = relay.forward(
        received("marceline@example.org"),
        "marceline@example.org",
        address,
        domain=DOMAIN,
        system_from=SYSTEM,
    )
    assert again == key  # the same message received twice: one key, one delivery
    _, back = relay.forward(
        received(PLACE[0]), PLACE[0], address, domain=DOMAIN, system_from=SYSTEM
    )
    assert back["To"].addresses[0].addr_spec == MARCELINE[0]


def test_a_hostile_subject_stays_one_line():
    address = opened()
    hostile = "=?utf-8?q?Re=3A_x=0D=0ABcc=3A_victim=40example.org?="
    _, message = relay.forward(
        received(MARCELINE[0], subject=hostile),
        MARCELINE[0],
        address,
        domain=DOMAIN,
        system_from=SYSTEM,
    )
    assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
    wire = message.as_bytes()
    assert b"\nBcc:" not in wire and b"\r\nBcc:" not in wire


def test_nobody_else_writes_and_no_other_address_is_a_conversation():
    address = opened()
    with pytest.raises(relay.NotAParty):
        relay.forward(
            received("spammer@example.org"),
            "spammer@example.org",
            address,
            domain=DOMAIN,
            system_from=SYSTEM,
        )
    for wrong in (f"r-{'0' * 24}@{DOMAIN}", address.replace(DOMAIN, "other.example"), "x@y.z"):
        with pytest.raises(relay.NotARelayAddress):
            relay.conversation_for(wrong, DOMAIN)


def test_a_booking_email_carries_the_relay_as_reply_to_when_the_place_has_a_contact():
    settings = SimpleNamespace(
        mail_from=SYSTEM, public_url="https://maillage.example", relay_domain=DOMAIN
    )
    event = {"event_id": "e1", "type": "booking_confirmed", "data": BOOKING_CONFIRMED}
    commands.notify_booking_confirmed(settings, event)
    assert b"Reply-To" not in Delivery.objects.get(event_id="e1").raw  # no contact known
    places.keep_place(
        {
            "occurred_at": "2026-11-01T00:00:00+00:00",
            "data": {
                "place_id": BOOKING_CONFIRMED["place_id"],
                "name": PLACE[1],
                "email": PLACE[0],
            },
        }
    )
    commands.notify_booking_confirmed(settings, {**event, "event_id": "e2"})
    raw = Delivery.objects.get(event_id="e2").raw
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    [conversation] = Conversation.objects
    assert parsed["Reply-To"] == f"r-{conversation.token}@{DOMAIN}"
    assert PLACE[0].encode() not in raw.split(b"\r\n\r\n")[0]  # not in the headers
    without = SimpleNamespace(mail_from=SYSTEM, public_url="https://maillage.example")
    commands.notify_booking_confirmed(without, {**event, "event_id": "e3"})
    assert b"Reply-To" not in Delivery.objects.get(event_id="e3").raw


def test_an_erased_member_s_conversations_go():
    opened()
    commands.erase_member({"data": {"member_id": "m1", "email": MARCELINE[0]}})
    assert Conversation.objects.count() == 0
