"""Fault 5: input accepted at the edge must be deliverable.

A name written as an RFC 2047 encoded-word hiding a line break (``=?utf-8?q?Eve=0D=0ABcc:…?=``)
was accepted with 201, then every attempt to email the person failed ("address parts cannot
contain CR or LF") and the dead letter failed again on each replay. Hostile names are now
refused with 422 naming the field, before anything is stored; real names, accents included,
are accepted and emailed. The operator books for each person (name and email), so that
what refuses a hostile name is the name, not who sends it.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.conftest import running
from tests.e2e.helpers import (
    OPERATOR,
    add_resource,
    create_place,
    day,
    emails,
    is_problem,
    wait_for,
)

HOSTILE = {
    "encoded-word with CRLF": "=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?=",
    "encoded-word, base64": "=?UTF-8?B?RXZlDQpCY2M6IHZAZXhhbXBsZS5vcmc=?=",
    "CR LF": "Eve\r\nBcc: victim@example.org",
    "LF": "Eve\nBcc: victim@example.org",
    "CR": "Eve\rX",
    "NUL": "Eve\x00Martin",
    "other control": "Eve\x1bMartin",
    "bidi override": "Eve \u202emoc.live",
    "line separator": "Eve\u2028Bcc: victim@example.org",
    "too long": "Marceline " * 20,
    "only spaces": "   ",
}
GOOD = ["Marceline Dupré-Lévêque", "Zoë O'Connor", "Łukasz Żółć", "Nguyễn Thị Minh Khai"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    with running("verdon", tmp_path_factory) as platform:
        yield platform


@pytest.fixture(scope="module")
def resource(platform):
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        place = create_place(api, name="Lieu des noms")
        return add_resource(
            api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 50}
        )


def stored_bookings(platform, resource_id: str) -> list[dict]:
    from gateway.rpc_client import RpcClient

    client = RpcClient(platform.amqp_uri, pool_size=1, timeout=10)
    try:
        return client.call("booking", "list_bookings", resource_id)
    finally:
        client.close()


def booking(resource_id: str, name: str, email: str) -> dict:
    return {
        "resource_id": resource_id,
        "start": day(4, 9),
        "end": day(4, 10),
        "name": name,
        "email": email,
    }


def test_hostile_names_are_refused_beside_the_field_and_good_ones_are_emailed(platform, resource):
    run = uuid.uuid4().hex[:6]
    accepted = []
    with httpx.Client(base_url=platform.url, timeout=30) as api:
        for label, name in HOSTILE.items():
            email = f"hostile.{run}@example.org"
            body = booking(resource["id"], name, email)
            response = api.post("/api/bookings", json=body, headers=OPERATOR)
            if response.status_code == 201:
                accepted.append(label)
                continue
            body = is_problem(response, 422)
            assert body["code"] == "validation_failed", body
            assert [e["field"] for e in body["errors"]] == ["name"], (label, body)
        assert accepted == [], f"hostile names accepted with 201: {accepted}"
        assert stored_bookings(platform, resource["id"]) == []

        people = {name: f"good{n}.{run}@example.org" for n, name in enumerate(GOOD)}
        for name, email in people.items():
            body = booking(resource["id"], name, email)
            response = api.post("/api/bookings", json=body, headers=OPERATOR)
            assert response.status_code == 201, response.text
        for name, email in people.items():
            [message] = wait_for(lambda email=email: emails(platform.mail_dir, email))
            [address] = message["To"].addresses
            assert address.display_name == name
            assert name in message.get_body(("plain",)).get_content()
        assert api.get("/api/admin/dead-letters/notifications", headers=OPERATOR).json() == []
    print(
        f"\n{len(HOSTILE)}/{len(HOSTILE)} hostile names refused with 422 on `name`, 0 stored, "
        f"0 dead letters; {len(GOOD)}/{len(GOOD)} accented or non-Latin names emailed"
    )
