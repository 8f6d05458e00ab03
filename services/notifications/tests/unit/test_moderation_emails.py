"""The directory's answer to a member's proposal (``moderation.py``): to the contributor, in
their language, with the coordinator's reason when refused; recorded once per event."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from services.notifications import commands, moderation
from services.notifications.models import Delivery
from tests.contracts.test_events import SAMPLES

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
KW = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
APPROVED = SAMPLES["directory", "contribution_approved"]
REJECTED = SAMPLES["directory", "contribution_rejected"]


def text_and_html(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_an_approval_links_to_the_new_place_in_french():
    message = moderation.answer_message("contribution_approved", APPROVED, **KW)
    assert message["Subject"] == "Votre proposition est acceptée : Tiers-lieu de Riez"
    assert message["To"].addresses[0].addr_spec == "veronique@example.org"
    text, html = text_and_html(message)
    assert "https://maillage.example/places/6650c0ffee0000000000000a" in text
    assert "Bonjour Véronique" in text and "acceptée" in html


def test_a_rejection_carries_the_reason_in_english():
    message = moderation.answer_message("contribution_rejected", REJECTED, **KW)
    assert message["Subject"] == "Your proposal was not accepted: Menuiserie Giraud"
    text, html = text_and_html(message)
    assert REJECTED["reason"] in text
    assert "Cette adresse est déjà dans l&#39;annuaire." in html or REJECTED["reason"] in html
    assert message["Content-Language"] == "en"


@pytest.mark.parametrize(
    "kind, data", [("contribution_approved", APPROVED), ("contribution_rejected", REJECTED)]
)
def test_recorded_once_per_event_and_never_without_an_address(kind, data):
    event = {"event_id": "e9", "type": kind, "data": data}
    assert commands.notify_contribution_answer(SETTINGS, event) is True
    assert commands.notify_contribution_answer(SETTINGS, event) is False  # redelivered
    [logged] = Delivery.objects
    assert (logged.kind, logged.rcpt, logged.topic) == (kind, data["email"], "directory")
    nobody = {"event_id": "e10", "type": kind, "data": {**data, "email": None}}
    assert commands.notify_contribution_answer(SETTINGS, nobody) is False
    assert Delivery.objects.count() == 1


def test_the_answer_s_one_click_link_stops_the_directory_s_emails():
    message = moderation.answer_message("contribution_approved", APPROVED, **KW)
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert parse_qs(urlsplit(link).query)["kind"] == ["directory"]
