"""Bad input gets a problem+json 4xx and changes nothing.

Every request here has the right to do what it asks (places by the operator, bookings by a
signed-in member for herself): what refuses it is its input, not who sends it."""

from __future__ import annotations

import httpx
import pytest

from .helpers import OPERATOR, PLACE, add_resource, create_place, day, is_problem, member


@pytest.fixture(scope="module")
def resource(verdon):
    with httpx.Client(base_url=verdon.url, timeout=30) as api:
        place = create_place(api, name="Bad input place")
        return add_resource(
            api, place["id"], {"name": "Open space", "kind": "desk_pool", "seats": 3}
        )


@pytest.fixture(scope="module")
def marceline(verdon) -> dict:
    """The bearer headers of a confirmed member, who books for herself."""
    with httpx.Client(base_url=verdon.url, timeout=30) as api:
        return member(verdon, api, "Marceline").headers


def valid_booking(resource_id: str) -> dict:
    return {
        "resource_id": resource_id,
        "start": day(8, 9),
        "end": day(8, 10),
        "name": "Marceline",
    }


def test_malformed_json_is_400_and_creates_nothing(api):
    before = len(api.get("/api/places").json())
    response = api.post(
        "/api/places",
        content=b'{"name": ',
        headers={**OPERATOR, "Content-Type": "application/json"},
    )
    assert is_problem(response, 400)["type"] == "/problems/malformed_json"
    assert len(api.get("/api/places").json()) == before


@pytest.mark.parametrize(
    "change",
    [
        {"colour": "blue"},  # unknown field
        {"postal_code": "4500"},  # wrong format
        {"status": "maybe"},  # not in open | project | closed
        {"location": {"lat": 123, "lon": 6}},  # out of range
        {"location": {"lat": "43", "lon": 6}},  # wrong type
        {"name": ""},  # empty
        {"name": "x" * 10_000},  # absurd size
    ],
)
def test_invalid_place_is_422_and_creates_nothing(api, change):
    before = len(api.get("/api/places").json())
    body = is_problem(api.post("/api/places", json={**PLACE, **change}, headers=OPERATOR), 422)
    assert body["errors"]
    assert len(api.get("/api/places").json()) == before


def test_missing_field_is_422(api):
    place = dict(PLACE)
    del place["commune"]
    body = is_problem(api.post("/api/places", json=place, headers=OPERATOR), 422)
    assert any(e["field"] == "commune" for e in body["errors"])


@pytest.mark.parametrize(
    "change",
    [
        {"seats": "two"},
        {"seats": 0},
        {"seats": 10_000},
        {"email": "nobody"},
        {"start": "tomorrow"},
        {"start": "2026-12-01T09:00:00"},  # no UTC offset
        {"unknown": 1},
    ],
)
def test_invalid_booking_is_422(api, resource, marceline, change):
    body = {**valid_booking(resource["id"]), **change}
    response = api.post("/api/bookings", json=body, headers=marceline)
    body = is_problem(response, 422)
    assert body["type"] == "/problems/validation_failed" and body["errors"]


@pytest.mark.parametrize(
    ("change", "status", "day_offset"),
    [
        ({"start": "END", "end": "START"}, 422, 11),  # end before start
        ({"seats": 4}, 422, 12),  # more seats than the resource has
        ({"resource_id": "nope"}, 404, 13),
    ],
)
def test_domain_refusals_book_nothing(api, resource, marceline, change, status, day_offset):
    body = {
        **valid_booking(resource["id"]),
        "start": day(day_offset, 9),
        "end": day(day_offset, 10),
    }
    if change.get("start") == "END":
        change = {"start": body["end"], "end": body["start"]}
    is_problem(api.post("/api/bookings", json={**body, **change}, headers=marceline), status)
    # Nothing held: every seat of that hour can still be booked, by one request.
    everything = {**body, "seats": resource["seats"]}
    assert api.post("/api/bookings", json=everything, headers=marceline).status_code == 201


def test_huge_body_is_413_and_creates_nothing(api):
    before = len(api.get("/api/places").json())
    response = api.post(
        "/api/places",
        content=b"{" + b" " * 200_000 + b"}",
        headers={**OPERATOR, "Content-Type": "application/json"},
    )
    assert is_problem(response, 413)["type"] == "/problems/payload_too_large"
    assert len(api.get("/api/places").json()) == before


def test_wrong_content_type_is_415(api):
    response = api.post(
        "/api/places", content=b"name=x", headers={**OPERATOR, "Content-Type": "text/plain"}
    )
    assert is_problem(response, 415)["type"] == "/problems/unsupported_media_type"


def test_bad_idempotency_key_is_400(api, resource, marceline):
    response = api.post(
        "/api/bookings",
        json=valid_booking(resource["id"]),
        headers={**marceline, "Idempotency-Key": "spaces are not allowed"},
    )
    assert is_problem(response, 400)["type"] == "/problems/bad_idempotency_key"


def test_unknown_route_is_problem_json(api):
    assert is_problem(api.get("/api/nowhere"), 404)["instance"] == "/api/nowhere"
