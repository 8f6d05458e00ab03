"""Notifications and the gateway's events: the contact projection kept and erased, and the
three link emails, each once, through a real broker and a real SMTP server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nameko.standalone.events import event_dispatcher

from gateway.events import PikaPublisher
from services.common.envelope import make_event
from services.notifications.tests.service.helpers import handled
from tests.support import wait_until

MEMBER = {
    "member_id": "m-1",
    "email": "marceline@example.org",
    "name": "Marceline",
    "language": "fr",
}
LINK = "http://127.0.0.1:8000/auth/confirm?token=single-use-secret"


def gateway_event(territory: str, event_type: str, data: dict) -> dict:
    return make_event("gateway", event_type, data, territory=territory)


def link_data(**changes) -> dict:
    expires = (datetime.now(UTC) + timedelta(hours=24)).isoformat()
    return {
        "email": "marceline@example.org",
        "name": "Marceline",
        "language": "fr",
        "link": LINK,
        "expires_at": expires,
        **changes,
    }


@pytest.mark.parametrize(
    "event_type, language, subject",
    [
        ("email_confirmation_requested", "fr", "Confirmez votre adresse"),
        ("sign_in_link_requested", "en", "Your link to sign in"),
        ("password_reset_requested", "fr", "Choisir un nouveau mot de passe"),
    ],
)
def test_each_link_event_sends_one_email_in_the_person_s_language(
    notifications, smtp_server, territory, rpc_client, event_type, language, subject, operator
):
    event = gateway_event(territory, event_type, link_data(language=language))
    before = handled(f"on_{event_type}")
    dispatch = event_dispatcher()
    dispatch("gateway", event_type, event)
    dispatch("gateway", event_type, event)  # delivered twice
    wait_until(lambda: handled(f"on_{event_type}") >= before + 2)
    wait_until(lambda: operator.notifications.deliveries(10, "sent"))
    [message] = smtp_server.messages()
    assert subject in message["Subject"]
    assert message["Content-Language"] == language
    assert message["To"].addresses[0].addr_spec == "marceline@example.org"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert LINK in text and LINK in html
    assert "24" in text  # how long it lasts
    assert message["List-Unsubscribe"] is None  # transactional: nothing to unsubscribe from
    assert "unsubscribe" not in text.lower() and "désabonner" not in text
    [delivery] = operator.notifications.deliveries(10)
    assert delivery["kind"] == event_type


def test_the_gateway_publisher_reaches_the_handler_and_an_unsubscribed_address(
    notifications, smtp_server, territory, rpc_client, amqp_uri, db, operator
):
    # Marceline unsubscribed from Maillage's notifications; she still gets the link she asks for.
    db.suppressions.insert_one({"_id": "marceline@example.org", "since": datetime.now(UTC)})
    publisher = PikaPublisher(amqp_uri)  # the gateway's own relay publisher, not nameko's
    try:
        publisher.publish(gateway_event(territory, "sign_in_link_requested", link_data()))
    finally:
        publisher.close()
    [message] = wait_until(lambda: smtp_server.messages())
    assert "Votre lien pour vous connecter" in message["Subject"]
    # Marked sent just after the server accepted it (grouped marks): waited for, not raced.
    wait_until(lambda: [d["status"] for d in operator.notifications.deliveries(10)] == ["sent"])


def test_the_contact_projection_is_kept_and_erased(
    notifications, smtp_server, territory, rpc_client, db, operator
):
    dispatch = event_dispatcher()
    registered = gateway_event(territory, "member_registered", MEMBER)
    updated = gateway_event(
        territory, "member_updated", {**MEMBER, "email": "m.giraud@example.org", "language": "en"}
    )
    before = handled("on_member_registered") + handled("on_member_updated")
    dispatch("gateway", "member_updated", updated)
    dispatch("gateway", "member_registered", registered)  # older, arrives late: changes nothing
    dispatch("gateway", "member_registered", registered)  # twice
    wait_until(lambda: handled("on_member_registered") + handled("on_member_updated") >= before + 3)
    [contact] = list(db.contacts.find())
    assert contact["_id"] == "m-1"
    assert (contact["email"], contact["language"]) == ("m.giraud@example.org", "en")

    # An email to her, sent: the log keeps it; then she unsubscribes.
    dispatch(
        "gateway",
        "email_confirmation_requested",
        gateway_event(
            territory, "email_confirmation_requested", link_data(email="m.giraud@example.org")
        ),
    )
    wait_until(lambda: operator.notifications.deliveries(10, "sent"))
    db.suppressions.insert_one({"_id": "m.giraud@example.org", "since": datetime.now(UTC)})

    erased = gateway_event(
        territory, "member_erased", {"member_id": "m-1", "email": "m.giraud@example.org"}
    )
    before = handled("on_member_erased")
    dispatch("gateway", "member_erased", erased)
    dispatch("gateway", "member_erased", erased)
    wait_until(lambda: handled("on_member_erased") >= before + 2)
    assert db.contacts.count_documents({}) == 0
    [delivery] = list(db.deliveries.find())
    assert delivery["status"] == "sent" and delivery["to"] == "erased"
    assert [s["_id"].startswith("erased:") for s in db.suppressions.find()] == [True]
    # Nothing in notifications' database names her any more.
    for name in db.list_collection_names():
        for doc in db[name].find():
            text = repr(doc)
            assert "m.giraud@example.org" not in text and "'m-1'" not in text, (name, text)

    # A late member_updated does not bring her back.
    late = gateway_event(territory, "member_updated", MEMBER)
    before = handled("on_member_updated")
    dispatch("gateway", "member_updated", late)
    wait_until(lambda: handled("on_member_updated") >= before + 1)
    assert db.contacts.count_documents({}) == 0


def test_an_email_change_sends_the_link_to_the_new_address_and_a_notice_to_the_old(
    notifications, smtp_server, territory, rpc_client, operator
):
    data = link_data(
        email="m.giraud@example.org",
        language="en",
        previous_email="marceline@example.org",
        new_email_hint="m•••@example.org",
    )
    event = gateway_event(territory, "email_change_requested", data)
    before = handled("on_email_change_requested")
    dispatch = event_dispatcher()
    dispatch("gateway", "email_change_requested", event)
    dispatch("gateway", "email_change_requested", event)  # delivered twice
    wait_until(lambda: handled("on_email_change_requested") >= before + 2)
    wait_until(lambda: len(operator.notifications.deliveries(10, "sent")) == 2)
    by_address = {m["To"].addresses[0].addr_spec: m for m in smtp_server.messages()}
    assert sorted(by_address) == ["m.giraud@example.org", "marceline@example.org"]
    link, notice = by_address["m.giraud@example.org"], by_address["marceline@example.org"]
    assert "Confirm your new address" in link["Subject"]
    assert LINK in link.get_body(("plain",)).get_content()
    notice_text = notice.get_body(("plain",)).get_content()
    assert "m•••@example.org" in notice_text and LINK not in notice_text
    assert "m.giraud" not in notice_text
    kinds = sorted(d["kind"] for d in operator.notifications.deliveries(10))
    assert kinds == ["email_change_notice", "email_change_requested"]
