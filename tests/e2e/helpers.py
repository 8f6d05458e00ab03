"""Helpers of the end-to-end tests; the shared ones live in ``tests/support.py``.

Who may write (issue 7): places need a coordinator or a territory admin, resources a
manager of their place, bookings a signed-in member (for themselves) or a manager booking
for someone. The tests create places and resources with the operator's token (``OPERATOR``)
and book as confirmed members (``member``) or as the operator for someone."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import httpx
from pymongo import MongoClient

from tests.samples import PLACE
from tests.support import read_emails as emails
from tests.support import wait_until as wait_for

__all__ = [
    "ADMIN_TOKEN",
    "OPERATOR",
    "PASSWORD",
    "PLACE",
    "Member",
    "add_resource",
    "booking_for",
    "confirmation_token",
    "create_place",
    "day",
    "deliveries",
    "emails",
    "is_problem",
    "member",
    "one_seat",
    "operator_call",
    "wait_for",
]

# The operator's token of the e2e platforms (conftest.py): a territory admin, no member.
ADMIN_TOKEN = "e2e-token"
OPERATOR = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PASSWORD = "un mot de passe sûr"

CONFIRM = re.compile(r"/api/auth/confirm\?token=([A-Za-z0-9_\-]+)")


def day(offset_days: int, hour: int) -> str:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=offset_days, hours=hour)).isoformat()


def booking_for(
    resource_id: str,
    email: str | None = None,
    name: str | None = "Véronique",
    offset_days: int = 3,
    hour: int = 9,
) -> dict:
    """A one-hour booking request, ``offset_days`` from today at ``hour`` (UTC); ``email``
    and ``name`` left out when None (a member booking for themselves needs neither)."""
    body = {
        "resource_id": resource_id,
        "start": day(offset_days, hour),
        "end": day(offset_days, hour + 1),
        "name": name,
        "email": email,
    }
    return {k: v for k, v in body.items() if v is not None}


def create_place(api: httpx.Client, headers: dict | None = None, **changes) -> dict:
    """A place (the sample one, with ``changes``), created by the operator unless
    ``headers`` say who else."""
    response = api.post("/api/places", json={**PLACE, **changes}, headers=headers or OPERATOR)
    assert response.status_code == 201, response.text
    return response.json()


def add_resource(api: httpx.Client, place_id: str, body: dict, headers: dict | None = None) -> dict:
    """Create a resource of a place just created, as the operator unless ``headers`` say who
    else: booking learns of places from the directory's events, so it may answer
    ``unknown_place`` for a moment."""

    def attempt():
        response = api.post(
            f"/api/places/{place_id}/resources", json=body, headers=headers or OPERATOR
        )
        if response.status_code == 404 and response.json().get("code") == "unknown_place":
            return None
        assert response.status_code == 201, response.text
        return response.json()

    return wait_for(attempt, timeout=15)


def one_seat(api: httpx.Client, **changes) -> dict:
    """A new place with one one-seat office, created by the operator: the resource."""
    place = create_place(api, **{"name": f"Riez {uuid.uuid4().hex[:6]}", **changes})
    return add_resource(api, place["id"], {"name": "Bureau du fond", "kind": "office", "seats": 1})


def confirmation_token(platform, address: str) -> str:
    """The token of the confirmation link: from the email notifications sent, or (before it
    went out) from the event still pending in the gateway's outbox."""
    outbox = MongoClient(platform.mongo_uri)[f"{platform.profile.territory}_gateway"]["outbox"]

    def found() -> str | None:
        for message in emails(platform.mail_dir, to=address):
            body = message.get_body(preferencelist=("plain",))
            match = CONFIRM.search(body.get_content() if body else "")
            if match:
                return match.group(1)
        for doc in outbox.find({"pending": True}):
            data = doc["event"].get("data") or {}
            if doc["event"]["type"] == "email_confirmation_requested" and data["email"] == address:
                return CONFIRM.search(data["link"]).group(1)
        return None

    try:
        return wait_for(found, timeout=15)
    finally:
        outbox.database.client.close()


class Member(NamedTuple):
    """A confirmed member: their address and the bearer headers of their token."""

    email: str
    headers: dict


def member(platform, api: httpx.Client, name: str) -> Member:
    """Sign up, confirm through the emailed link, take a bearer token: the public flow."""
    # An ASCII local part: the sink's .eml keeps a UTF-8 one as raw bytes, which the test
    # helper's parser does not read back as the same address.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    local = re.sub(r"[^a-z0-9]+", ".", ascii_name).strip(".") or "membre"
    address = f"{local}.{uuid.uuid4().hex[:8]}@example.org"
    response = api.post(
        "/api/auth/signup", json={"email": address, "password": PASSWORD, "name": name}
    )
    assert response.status_code == 202, response.text
    token = confirmation_token(platform, address)
    with httpx.Client(base_url=platform.url, timeout=30) as browser:  # its own session cookie
        assert browser.get("/api/auth/confirm", params={"token": token}).status_code == 303
    issued = api.post("/api/auth/token", json={"email": address, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return Member(address, {"Authorization": f"Bearer {issued.json()['access_token']}"})


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def deliveries(platform, limit: int = 500) -> list[dict]:
    """The notifications service's delivery log, asked over RPC as an operator would."""
    return operator_call(platform, "notifications", "deliveries", limit)


def operator_call(platform, service: str, method: str, *args):
    """An RPC as the operator (the identity the gateway sends for ``MAILLAGE_ADMIN_TOKEN``):
    the delivery log and the dead letters are refused to anyone else, on the bus too."""
    from contracts.identity import CONTEXT_KEY
    from gateway.rpc_client import RpcClient
    from services.common.tests.callers import OPERATOR as operator

    client = RpcClient(platform.amqp_uri, pool_size=1, timeout=10)
    try:
        return client.call(service, method, *args, context={CONTEXT_KEY: operator.to_context()})
    finally:
        client.close()
