"""``/api/places/{place_id}/resources`` (routers/resources.py): booking's resources."""

from __future__ import annotations

import pytest

from contracts.booking import ResourceKind

from .fakes import RESOURCE, RESOURCE_OUT, FakeRpc, client, is_problem


def test_resource_creation_asks_booking_alone():
    # Whether the place exists is booking's to say (from its projection of places).
    fake = FakeRpc(script={("booking", "create_resource"): RESOURCE_OUT})
    response = client(fake).post(
        "/api/places/p1/resources", json=RESOURCE, headers={"Idempotency-Key": "r-1"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == RESOURCE_OUT
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("booking", "create_resource", ("p1", RESOURCE, "r-1"))
    ]


def test_resource_creation_works_without_the_directory():
    fake = FakeRpc(
        down={"directory"},  # no place check: only the booking call is made
        script={("booking", "create_resource"): RESOURCE_OUT},
    )
    response = client(fake).post(
        "/api/places/p1/resources", json=RESOURCE, headers={"Idempotency-Key": "res-1"}
    )
    assert response.status_code == 201, response.text
    [call] = fake.domain_calls()
    assert call.args == ("p1", RESOURCE, "res-1")


def test_list_resources_forwards_the_place():
    fake = FakeRpc(script={("booking", "list_resources"): [RESOURCE_OUT]})
    assert client(fake).get("/api/places/p1/resources").json() == [RESOURCE_OUT]
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("booking", "list_resources", ("p1",))
    ]


@pytest.mark.parametrize("kind", [kind.value for kind in ResourceKind])
def test_every_resource_kind_is_accepted(kind):
    fake = FakeRpc(script={("booking", "create_resource"): {**RESOURCE_OUT, "kind": kind}})
    response = client(fake).post("/api/places/p1/resources", json={**RESOURCE, "kind": kind})
    assert response.status_code == 201, response.text
    assert fake.domain_calls()[0].args[1]["kind"] == kind


def test_unknown_kind_is_422_before_any_call():
    fake = FakeRpc()
    response = client(fake).post("/api/places/p1/resources", json={**RESOURCE, "kind": "castle"})
    body = is_problem(response, 422, "validation_failed")
    assert "kind" in [e["field"] for e in body["errors"]]
    assert fake.calls == []
