"""The member's rights on the real platform (Verdon: every service): Ondine signs up, gives a
phone and a commune, books (and cancels one booking, so that emails went out; the operator
books one more for her address), exports her data — every service answers, booking lists her
bookings — and erases her account. Once booking and notifications have handled
``member_erased``, no database of the territory holds her address, her name or her id, and
the bookings per resource are still counted. Then: a stopped service is named in the export's
``unavailable``."""

from __future__ import annotations

import json
import random
import re
import string
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import MongoClient

from contracts import SERVICE_NAMES
from tests.samples import PLACE
from tests.support import read_emails, wait_until

pytestmark = pytest.mark.e2e

OPERATOR = {"Authorization": "Bearer e2e-token"}  # the e2e platforms' operator (conftest.py)
PASSWORD = "un mot de passe sûr"
CONFIRM = re.compile(r"/api/auth/confirm\?token=([A-Za-z0-9_\-]+)")
PHONE = "06 47 58 69 70"


def day(offset_days: int, hour: int) -> str:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=offset_days, hours=hour)).isoformat()


def confirmation_token(platform, address: str) -> str:
    """The token of the confirmation link notifications emailed to ``address``."""

    def found() -> str | None:
        for message in read_emails(platform.mail_dir, to=address):
            body = message.get_body(preferencelist=("plain",))
            match = CONFIRM.search(body.get_content() if body else "")
            if match:
                return match.group(1)
        return None

    return wait_until(found, timeout=20)


def sign_up(platform, api: httpx.Client, name: str, address: str) -> dict:
    """A confirmed member through the public flow: bearer headers."""
    body = {"email": address, "password": PASSWORD, "name": name}
    assert api.post("/api/auth/signup", json=body).status_code == 202
    token = confirmation_token(platform, address)
    with httpx.Client(base_url=platform.url, timeout=30) as browser:  # its own cookie
        assert browser.get("/api/auth/confirm", params={"token": token}).status_code == 303
    issued = api.post("/api/auth/token", json={"email": address, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}


def a_resource(api: httpx.Client) -> dict:
    """A new place of the operator's with a two-seat office (booking learns of the place from
    the directory's event: ``unknown_place`` for a moment)."""
    place = api.post(
        "/api/places", json={**PLACE, "name": f"Riez {uuid.uuid4().hex[:6]}"}, headers=OPERATOR
    )
    assert place.status_code == 201, place.text
    body = {"name": "Bureau du fond", "kind": "office", "seats": 2}

    def attempt():
        made = api.post(f"/api/places/{place.json()['id']}/resources", json=body, headers=OPERATOR)
        if made.status_code == 404 and made.json().get("code") == "unknown_place":
            return None
        assert made.status_code == 201, made.text
        return made.json()

    return wait_until(attempt, timeout=15)


def book(api: httpx.Client, headers: dict, resource_id: str, days: int, **person) -> dict:
    body = {"resource_id": resource_id, "start": day(days, 9), "end": day(days, 10), **person}
    made = api.post("/api/bookings", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return made.json()


def territory_dump(platform) -> str:
    """Every document of every collection of every database of the territory, serialised,
    lower-cased."""
    client = MongoClient(platform.mongo_uri)
    try:
        prefix = f"{platform.profile.territory}_"
        names = [n for n in client.list_database_names() if n.startswith(prefix)]
        assert {f"{prefix}{s}" for s in ("gateway", "booking", "notifications")} <= set(names)
        dump = {
            f"{name}.{collection}": list(client[name][collection].find())
            for name in names
            for collection in client[name].list_collection_names()
        }
        return json.dumps(dump, default=str, ensure_ascii=False).lower()
    finally:
        client.close()


def handled_erasures(platform, service: str) -> int:
    """How many ``member_erased`` events the service's inbox recorded as processed."""
    client = MongoClient(platform.mongo_uri)
    try:
        db = client[f"{platform.profile.territory}_{service}"]
        return db.processed_events.count_documents({"handler": "on_member_erased"})
    finally:
        client.close()


def bookings_per_resource(platform) -> Counter:
    client = MongoClient(platform.mongo_uri)
    try:
        bookings = client[f"{platform.profile.territory}_booking"]["bookings"]
        return Counter((b["resource_id"], b["status"]) for b in bookings.find())
    finally:
        client.close()


def test_a_member_exports_then_erases_and_nothing_of_her_is_left(verdon, api):
    surname = "Vauquelin" + "".join(random.choices(string.ascii_lowercase, k=6))
    name = f"Ondine {surname.capitalize()}"
    address = f"ondine.{surname.lower()}@example.org"
    hers = sign_up(verdon, api, name, address)
    patched = api.patch("/api/me", json={"phone": PHONE, "commune": "Quinson"}, headers=hers)
    assert patched.status_code == 200, patched.text
    member_id = patched.json()["id"]

    resource = a_resource(api)
    kept = book(api, hers, resource["id"], 5, email=address, phone=PHONE)
    cancelled = book(api, hers, resource["id"], 6)
    undone = api.post(f"/api/bookings/{cancelled['id']}/cancel", headers=hers)
    assert undone.status_code == 200 and undone.json()["status"] == "cancelled"
    # The operator books one for her address (as a facilitator would, before she asked).
    for_her = book(api, OPERATOR, resource["id"], 7, name=name, email=address)
    # Someone else's booking of the same resource stays theirs.
    others = sign_up(verdon, api, "Thierry", f"thierry.{uuid.uuid4().hex[:8]}@example.org")
    theirs = book(api, others, resource["id"], 5)

    # Emails went out to her: the confirmations and the cancellation.
    wait_until(lambda: len(read_emails(verdon.mail_dir, to=address)) >= 5, timeout=30)

    # The export: every service answers; booking lists her bookings, notifications her contact.
    def complete() -> dict | None:
        exported = api.get("/api/me/export", headers=hers)
        assert exported.status_code == 200, exported.text
        document = exported.json()
        contact = document["services"].get("notifications", {}).get("contact")
        return document if contact and contact["email"] == address else None

    document = wait_until(complete, timeout=20)
    assert sorted(document["services"]) == sorted(SERVICE_NAMES)
    assert document["unavailable"] == []
    gateway = document["gateway"]
    assert gateway["profile"]["email"] == address and gateway["profile"]["phone"] == PHONE
    assert gateway["profile"]["commune"] == "Quinson" and len(gateway["api_tokens"]) == 1
    listed = {b["id"]: b for b in document["services"]["booking"]["bookings"]}
    assert sorted(listed) == sorted([kept["id"], cancelled["id"], for_her["id"]])
    assert listed[cancelled["id"]]["status"] == "cancelled"
    assert listed[kept["id"]]["phone"] == PHONE
    assert len(document["services"]["notifications"]["deliveries"]) >= 4
    response = api.get("/api/me/export", headers=hers)
    assert "maillage-mes-donnees.json" in response.headers["content-disposition"]

    before = bookings_per_resource(verdon)
    assert name.lower() in territory_dump(verdon)  # the search below can find her

    erased = api.delete("/api/me", headers=hers)
    assert erased.status_code == 204, erased.text
    assert api.delete("/api/me", headers=hers).status_code == 401  # her token is dead
    assert api.get("/api/me/export", headers=hers).status_code == 401

    # Booking and notifications handled member_erased; the gateway's outbox sent it (and so
    # dropped its data): then nothing of her is left in any database of the territory.
    wait_until(lambda: handled_erasures(verdon, "booking") >= 1, timeout=30)
    wait_until(lambda: handled_erasures(verdon, "notifications") >= 1, timeout=30)
    traces = (address, name.lower(), surname.lower(), member_id, PHONE)

    def clean() -> bool:
        dump = territory_dump(verdon)
        return not [trace for trace in traces if trace.lower() in dump]

    try:
        wait_until(clean, timeout=15)
    except AssertionError:
        dump = territory_dump(verdon)
        found = {t: dump.find(t.lower()) for t in traces if t.lower() in dump}
        left = {t: dump[max(0, at - 200) : at + 200] for t, at in found.items()}
        pytest.fail(f"still in the territory's databases: {left}")

    # The funders' counts: every booking still there, in its status, on its resource.
    assert bookings_per_resource(verdon) == before
    seen = api.get(f"/api/bookings/{theirs['id']}", headers=others).json()
    assert seen["name"] == "Thierry"


def test_the_export_names_a_stopped_service(verdon, api):
    address = f"ondine.{uuid.uuid4().hex[:8]}@example.org"
    hers = sign_up(verdon, api, "Ondine", address)
    verdon.stop_service("clubs")
    try:
        document = api.get("/api/me/export", headers=hers).json()
    finally:
        verdon.start_service("clubs")
        verdon.wait_ready()
    assert document["unavailable"] == ["clubs"]
    assert sorted(document["services"]) == sorted(set(SERVICE_NAMES) - {"clubs"})
    assert document["gateway"]["profile"]["email"] == address
