"""email_change_requested (contracts/gateway.py): the link goes to the new address, a notice
to the address in use, each once, in the person's language, transactional (even to an address
that unsubscribed, with nothing to unsubscribe from)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.gateway import EmailChangeRequested
from services.notifications import commands
from services.notifications.models import Delivery, Suppression

from .test_commands import SETTINGS, parsed

LINK = "https://maillage.example/api/auth/email?token=single-use-secret"


def event(language: str = "fr", event_id: str = "e1") -> dict:
    now = datetime(2030, 5, 2, 8, 0, tzinfo=UTC)
    data = {
        "email": "veronique.nouvelle@example.org",
        "name": "Véronique",
        "language": language,
        "link": LINK,
        "expires_at": (now + timedelta(minutes=20)).isoformat(),
        "previous_email": "veronique@example.org",
        "new_email_hint": "v•••@example.org",
    }
    EmailChangeRequested.model_validate(data)  # the contract's shape, not an invented one
    return {
        "event_id": event_id,
        "type": "email_change_requested",
        "occurred_at": now.isoformat(),
        "data": data,
    }


def sent_to(address: str) -> tuple[Delivery, object]:
    [found] = [d for d in Delivery.objects if d.rcpt == address]
    return found, parsed(found.raw)


def body(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_the_link_goes_to_the_new_address_only():
    assert commands.notify_link(SETTINGS, event()) is True
    delivery, message = sent_to("veronique.nouvelle@example.org")
    assert delivery.kind == "email_change_requested"
    assert "Confirmez votre nouvelle adresse" in message["Subject"]
    text, html = body(message)
    assert LINK in text and LINK in html
    assert "20 minutes" in text
    assert message["List-Unsubscribe"] is None


def test_the_address_in_use_gets_a_notice_without_the_link_nor_the_new_address():
    commands.notify_link(SETTINGS, event())
    delivery, message = sent_to("veronique@example.org")
    assert delivery.kind == "email_change_notice"
    assert "changement d'adresse" in message["Subject"]
    text, html = body(message)
    for part in (text, html):
        assert "v•••@example.org" in part
        assert "veronique.nouvelle" not in part  # named by its hint only
        assert "single-use-secret" not in part  # the link is the new address's alone
        assert "https://maillage.example/mot-de-passe-oublie" in part  # what to do if not her
    assert message["List-Unsubscribe"] is None


def test_both_in_english():
    commands.notify_link(SETTINGS, event("en"))
    _, link = sent_to("veronique.nouvelle@example.org")
    _, notice = sent_to("veronique@example.org")
    assert "Confirm your new address" in link["Subject"]
    assert "change the address" in notice["Subject"]
    assert notice["Content-Language"] == "en"


def test_each_once_and_even_to_an_address_that_unsubscribed():
    Suppression(email="veronique@example.org").save()
    commands.notify_link(SETTINGS, event())
    assert commands.notify_link(SETTINGS, event()) is False  # the same event again
    assert sorted((d.kind, d.status) for d in Delivery.objects) == [
        ("email_change_notice", Delivery.PENDING),
        ("email_change_requested", Delivery.PENDING),
    ]
