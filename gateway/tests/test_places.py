"""``/api/places`` (routers/places.py): the directory's places."""

from __future__ import annotations

import pytest

from contracts.errors import Forbidden
from tests.samples import PLACE

from .fakes import PLACE_OUT, FakeRpc, client, is_problem, page_of, remote


def test_the_search_forwards_every_filter_and_pages_in_headers():
    hit = {**PLACE_OUT, "distance_km": 1.2, "open_now": True}
    found = {"items": [hit], "total": 41, "page": 2, "page_size": 20, "pages": 3}
    fake = FakeRpc(script={("directory", "search_places"): found})
    params = [
        ("q", "atelier"),
        ("kind", "fablab"),
        ("kind", "coworking"),
        ("equipment", "wifi"),
        ("status", "open"),
        ("commune", "Mende"),
        ("network", "SoLozère"),
        ("open_now", "true"),
        ("open_on", "2026-12-01"),
        ("lat", "44.5"),
        ("lon", "3.5"),
        ("radius_km", "30"),
        ("page", "2"),
    ]
    response = client(fake).get("/api/places", params=params)
    assert response.status_code == 200, response.text
    assert response.json() == [hit]  # a plain list, as before the search existed
    headers = response.headers
    assert (headers["X-Total-Count"], headers["X-Page"], headers["X-Pages"]) == ("41", "2", "3")
    assert 'rel="next"' in headers["Link"] and "page=3" in headers["Link"]
    assert "kind=fablab&kind=coworking" in headers["Link"]
    [call] = fake.domain_calls()
    assert (call.service, call.method) == ("directory", "search_places")
    assert call.args == (
        {
            "q": "atelier",
            "kind": ["fablab", "coworking"],
            "equipment": ["wifi"],
            "status": ["open"],
            "commune": "Mende",
            "network": "SoLozère",
            "open_now": True,
            "open_on": "2026-12-01",
            "lat": 44.5,
            "lon": 3.5,
            "radius_km": 30.0,
            "page": 2,
            "page_size": 20,
        },
    )


def test_the_search_without_filters_asks_for_the_first_page():
    fake = FakeRpc(script={("directory", "search_places"): page_of(PLACE_OUT)})
    assert client(fake).get("/api/places").json() == [
        PLACE_OUT | {"distance_km": None, "open_now": None}
    ]
    assert fake.domain_calls()[0].args == ({"page": 1, "page_size": 20},)


@pytest.mark.parametrize(
    "params",
    [{"kind": "castle"}, {"radius_km": "0"}, {"page_size": "500"}, {"open_on": "demain"}],
)
def test_bad_filters_are_422_before_any_call(params):
    fake = FakeRpc()
    is_problem(client(fake).get("/api/places", params=params), 422)
    assert fake.calls == []


def test_a_patch_sends_only_the_fields_given_with_its_key():
    fake = FakeRpc(script={("directory", "update_place"): PLACE_OUT})
    body = {"summary": None, "status": "closed", "status_since": "2026-12-31"}
    response = client(fake).patch("/api/places/p1", json=body, headers={"Idempotency-Key": "e-1"})
    assert response.status_code == 200, response.text
    [call] = fake.domain_calls()
    assert (call.method, call.args) == ("update_place", ("p1", body, "e-1"))


def test_a_patch_needs_a_well_formed_key_and_valid_fields():
    fake = FakeRpc()
    api = client(fake)
    bad_key = {"Idempotency-Key": "a key with spaces"}
    is_problem(api.patch("/api/places/p1", json={"summary": "x"}, headers=bad_key), 400)
    bad = {"opening_hours": "quand on peut"}
    is_problem(api.patch("/api/places/p1", json=bad, headers={"Idempotency-Key": "k"}), 422)
    assert fake.domain_calls() == []


def test_a_refused_patch_is_403_from_the_directory():
    error = remote("directory", Forbidden("you may not edit this place", what="place", id="p1"))
    fake = FakeRpc(script={("directory", "update_place"): error})
    response = client(fake).patch(
        "/api/places/p1", json={"summary": "x"}, headers={"Idempotency-Key": "k"}
    )
    assert is_problem(response, 403, "forbidden")["code"] == "forbidden"
    [call] = fake.domain_calls()
    assert (call.method, call.args) == ("update_place", ("p1", {"summary": "x"}, "k"))


def test_get_place_forwards_its_id():
    fake = FakeRpc(script={("directory", "get_place"): PLACE_OUT})
    response = client(fake).get("/api/places/p1")
    assert response.status_code == 200
    assert response.json() == PLACE_OUT
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("directory", "get_place", ("p1",))
    ]


def test_create_place_is_201_with_the_idempotency_key():
    fake = FakeRpc(script={("directory", "create_place"): PLACE_OUT})
    response = client(fake).post("/api/places", json=PLACE, headers={"Idempotency-Key": "place-1"})
    assert response.status_code == 201, response.text
    assert response.json() == PLACE_OUT
    [call] = fake.domain_calls()
    assert (call.service, call.method, call.args) == (
        "directory",
        "create_place",
        (PLACE, "place-1"),
    )


def test_invalid_query_is_422_before_any_call():
    fake = FakeRpc()
    body = is_problem(client(fake).get("/api/places", params={"status": "maybe"}), 422)
    assert [e["field"] for e in body["errors"]] == ["query.status.0"]
    assert fake.calls == []


def test_directory_down_is_503_naming_it():
    fake = FakeRpc(down={"directory"})
    body = is_problem(client(fake).get("/api/places/p1"), 503, "service_unavailable")
    assert body["service"] == "directory"
