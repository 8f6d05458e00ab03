"""``/api/places/{place_id}/resources`` and ``/api/resources/{resource_id}``
(routers/resources.py): booking's resources, their settings and availability."""

from __future__ import annotations

import pytest

from contracts.booking import ResourceKind, ResourceOut

from .fakes import RESOURCE, RESOURCE_OUT, FakeRpc, client, is_problem

# What the gateway answers for RESOURCE_OUT: the settings' defaults filled in.
SHOWN = ResourceOut.model_validate(RESOURCE_OUT).model_dump(mode="json")


def test_resource_creation_asks_booking_alone():
    # Whether the place exists is booking's to say (from its projection of places).
    fake = FakeRpc(script={("booking", "create_resource"): RESOURCE_OUT})
    response = client(fake).post(
        "/api/places/p1/resources", json=RESOURCE, headers={"Idempotency-Key": "r-1"}
    )
    assert response.status_code == 201, response.text
    assert response.json() == SHOWN
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
    assert client(fake).get("/api/places/p1/resources").json() == [SHOWN]
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


def test_resource_settings_are_forwarded_as_sent():
    body = {**RESOURCE, "opening_hours": "Mo-Fr 09:00-12:00", "unit": "hour"}
    fake = FakeRpc(script={("booking", "create_resource"): {**RESOURCE_OUT, "unit": "hour"}})
    response = client(fake).post("/api/places/p1/resources", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["unit"] == "hour"
    # Only what was sent: the service fills the defaults (and stores only what was set).
    assert fake.domain_calls()[0].args[1] == body


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"opening_hours": "Mo-Fx 09:00-12:00"}, "opening_hours", "expected wday"),
        ({"timezone": "Europe/Riez"}, "timezone", "unknown IANA time zone"),
        ({"unit": "week"}, "unit", ""),
        ({"horizon_days": 0}, "horizon_days", ""),
    ],
)
def test_invalid_settings_are_422_naming_the_field_and_why(change, field, says):
    fake = FakeRpc()
    for response in (
        client(fake).post("/api/places/p1/resources", json={**RESOURCE, **change}),
        client(fake).patch("/api/resources/r1", json=change),
    ):
        body = is_problem(response, 422, "validation_failed")
        [error] = [e for e in body["errors"] if e["field"] == field]
        assert says in error["message"]
    assert fake.calls == []


def test_get_resource():
    fake = FakeRpc(script={("booking", "get_resource"): RESOURCE_OUT})
    assert client(fake).get("/api/resources/r1").json() == SHOWN
    assert [(c.method, c.args) for c in fake.domain_calls()] == [("get_resource", ("r1",))]


def test_patch_forwards_only_the_fields_sent_with_the_key():
    fake = FakeRpc(script={("booking", "update_resource"): {**RESOURCE_OUT, "seats": 5}})
    response = client(fake).patch(
        "/api/resources/r1",
        json={"seats": 5, "opening_hours": None},
        headers={"Idempotency-Key": "u-1"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["seats"] == 5
    assert [(c.method, c.args) for c in fake.domain_calls()] == [
        ("update_resource", ("r1", {"seats": 5, "opening_hours": None}, "u-1"))
    ]


AVAILABILITY = {
    "resource_id": "r1",
    "timezone": "Europe/Paris",
    "unit": "hour",
    "seats": 2,
    "start": "2030-06-03T00:00:00+02:00",
    "end": "2030-06-04T00:00:00+02:00",
    "free": [
        {"start": "2030-06-03T09:00:00+02:00", "end": "2030-06-03T10:00:00+02:00", "seats_left": 1}
    ],
}


def test_availability_forwards_from_and_to_as_written():
    fake = FakeRpc(script={("booking", "availability"): AVAILABILITY})
    response = client(fake).get(
        "/api/resources/r1/availability",
        params={"from": "2030-06-03", "to": "2030-06-03T18:00:00+02:00"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["free"][0]["seats_left"] == 1
    assert [(c.method, c.args) for c in fake.domain_calls()] == [
        ("availability", ("r1", "2030-06-03", "2030-06-03T18:00:00+02:00"))
    ]


def test_availability_defaults_are_the_services():
    fake = FakeRpc(script={("booking", "availability"): AVAILABILITY})
    assert client(fake).get("/api/resources/r1/availability").status_code == 200
    assert fake.domain_calls()[0].args == ("r1", None, None)


def test_availability_refuses_what_is_no_date_before_any_call():
    fake = FakeRpc()
    response = client(fake).get("/api/resources/r1/availability", params={"from": "demain"})
    body = is_problem(response, 422, "validation_failed")
    assert "query.from" in [e["field"] for e in body["errors"]]
    assert fake.calls == []
