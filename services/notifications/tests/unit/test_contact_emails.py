"""Contact requests' emails (contact.py): the request to its recipient without the sender's
address, the answer to the sender with Reply-To only when the recipient shared theirs."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from types import SimpleNamespace

from services.notifications import contact
from services.notifications.models import Delivery
from tests.contracts.test_events import SAMPLES

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
REQUESTED = SAMPLES["directory", "contact_requested"]
REPLIED = SAMPLES["directory", "contact_replied"]


def sent(key: str):
    logged = Delivery.objects(id=key).first()
    return BytesParser(policy=policy.default).parsebytes(logged.raw)


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_request_goes_to_the_recipient_with_the_reply_link_and_no_sender_address():
    event = {"event_id": "e1", "data": {**REQUESTED, "message": "Bonjour <b>vous</b> !"}}
    assert contact.notify_contact_requested(SETTINGS, event) is True
    [delivery] = Delivery.objects
    message = sent(delivery.id)
    assert message["To"].addresses[0].addr_spec == "gite.lavandes@example.org"
    assert message["Reply-To"] is None
    assert message["Subject"] == "Véronique vous écrit via Maillage"
    text = body(message)
    link = f"https://maillage.example/contact/reply/{REQUESTED['reply_token']}"
    assert link in text and "Bonjour <b>vous</b> !" in text
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;vous&lt;/b&gt;" in html  # the visitor's words, escaped
    assert "@example.org" not in text.replace("gite.lavandes@example.org", "")
    assert contact.notify_contact_requested(SETTINGS, event) is False  # once per event


def test_the_request_in_english():
    event = {"event_id": "e2", "data": {**REQUESTED, "language": "en"}}
    contact.notify_contact_requested(SETTINGS, event)
    [delivery] = Delivery.objects
    assert sent(delivery.id)["Subject"] == "Véronique wrote to you through Maillage"


def test_the_answer_goes_to_the_sender_with_reply_to_when_shared():
    contact.notify_contact_replied(SETTINGS, {"event_id": "e3", "data": REPLIED})
    unshared = {**REPLIED, "reply_to": None}
    contact.notify_contact_replied(SETTINGS, {"event_id": "e4", "data": unshared})
    shared, kept = (sent(d.id) for d in Delivery.objects.order_by("event_id"))
    assert shared["To"].addresses[0].addr_spec == "veronique@example.org"
    assert shared["Reply-To"].addresses[0].addr_spec == "gite.lavandes@example.org"
    assert "Oui, la chambre bleue est libre." in body(shared)
    assert shared["List-Unsubscribe"] is None  # asked for: transactional
    assert kept["Reply-To"] is None and "gite.lavandes" not in body(kept)
