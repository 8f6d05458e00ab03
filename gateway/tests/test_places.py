"""``/api/places`` (routers/places.py): the directory's places."""

from __future__ import annotations

from tests.samples import PLACE

from .fakes import PLACE_OUT, FakeRpc, client, is_problem


def test_list_places_forwards_the_status_filter():
    fake = FakeRpc(script={("directory", "list_places"): [PLACE_OUT]})
    api = client(fake)
    assert api.get("/api/places", params={"status": "open"}).json() == [PLACE_OUT]
    assert api.get("/api/places").status_code == 200
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("directory", "list_places", ("open",)),
        ("directory", "list_places", (None,)),
    ]


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
    assert [e["field"] for e in body["errors"]] == ["query.status"]
    assert fake.calls == []


def test_directory_down_is_503_naming_it():
    fake = FakeRpc(down={"directory"})
    body = is_problem(client(fake).get("/api/places/p1"), 503, "service_unavailable")
    assert body["service"] == "directory"
