"""A member's rights in notifications, against a real broker, SecantusDB and SMTP server: the
export (``export_member``, the caller in the RPC context) and the erasure by the address the
gateway's ``member_erased`` now carries — also when no contact was ever kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcClient

from contracts.identity import CONTEXT_KEY, Caller
from services.common.envelope import make_event
from services.notifications.tests.service.helpers import handled
from tests.support import error_code, wait_until

ADDRESS = "ondine.vauquelin@example.org"
NAME = "Ondine Vauquelin"
OTHER = "thierry.other@example.org"
MEMBER = Caller(member_id="m-ondine-41", email=ADDRESS, name=NAME)


def send(territory: str, event_type: str, data: dict, times: int = 1) -> None:
    """Publish a gateway event (``times`` deliveries) and wait until each was handled."""
    handler = f"on_{event_type}"
    before = handled(handler)
    event = make_event("gateway", event_type, data, territory=territory)
    dispatch = event_dispatcher()
    for _ in range(times):
        dispatch("gateway", event_type, event)
    wait_until(lambda: handled(handler) >= before + times)


def a_link_email(territory: str, operator, address: str = ADDRESS, name: str = NAME) -> None:
    """A sign-in link emailed to ``address``, sent (the log keeps it)."""
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    link = {"email": address, "name": name, "language": "fr", "link": "http://x/l?token=t"}
    sent = len(operator.notifications.deliveries(50, "sent"))
    send(territory, "sign_in_link_requested", {**link, "expires_at": expires})
    wait_until(lambda: len(operator.notifications.deliveries(50, "sent")) > sent)


def as_member(who: Caller | None) -> ClusterRpcClient:
    context = {CONTEXT_KEY: who.to_context()} if who is not None else {}
    return ClusterRpcClient(timeout=15, context_data=context)


def everything(db) -> str:
    return repr([(name, list(db[name].find())) for name in db.list_collection_names()]).lower()


def test_the_export_shows_her_contact_her_emails_and_her_unsubscribe(
    notifications, territory, rpc_client, db, operator
):
    registered = {"member_id": MEMBER.member_id, "email": ADDRESS, "name": NAME}
    send(territory, "member_registered", registered)
    a_link_email(territory, operator)
    a_link_email(territory, operator, OTHER, "Thierry")
    db.suppressions.insert_one({"_id": ADDRESS, "since": datetime.now(UTC)})

    with as_member(MEMBER) as hers:
        exported = hers.notifications.export_member()
    assert exported["service"] == "notifications"
    assert exported["contact"] == {**registered, "language": "fr", "timezone": "Europe/Paris"}
    [delivery] = exported["deliveries"]  # not someone else's
    assert ADDRESS in delivery["to"] and delivery["status"] == "sent"
    assert delivery["kind"] == "sign_in_link_requested"
    assert "raw" not in delivery and "rcpt" not in delivery  # not the message itself
    assert exported["unsubscribed"] is True
    with as_member(None) as nobody, pytest.raises(RemoteError) as refusal:
        nobody.notifications.export_member()
    assert error_code(refusal.value) == "authentication_required"


def test_member_erased_erases_by_the_event_s_address_without_a_contact(
    notifications, territory, rpc_client, db, operator
):
    # Her member events never reached notifications (no contact), her emails did.
    a_link_email(territory, operator)
    a_link_email(territory, operator, OTHER, "Thierry")
    db.suppressions.insert_one({"_id": ADDRESS, "since": datetime.now(UTC)})
    assert ADDRESS in everything(db)

    erased = {"member_id": MEMBER.member_id, "email": ADDRESS}
    send(territory, "member_erased", erased, times=2)  # twice: idempotent

    text = everything(db)
    for trace in (ADDRESS, NAME.lower(), MEMBER.member_id):
        assert trace not in text, trace
    statuses = {(d["to"], d["status"]) for d in db.deliveries.find()}
    assert statuses == {("erased", "sent"), (f"Thierry <{OTHER}>", "sent")}
    # Her wish not to be written to stays, as a digest of the address.
    assert [s["_id"].startswith("erased:") for s in db.suppressions.find()] == [True]
    with as_member(MEMBER) as hers:
        assert hers.notifications.export_member()["deliveries"] == []
