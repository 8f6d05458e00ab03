"""``/api/bookings`` (routers/bookings.py)."""

from __future__ import annotations

from contracts.errors import NotFound

from .fakes import BOOKING, BOOKING_OUT, FakeRpc, client, is_problem, remote


def test_create_booking_returns_201_and_the_booking():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING)
    assert response.status_code == 201
    assert response.json() == {k: v for k, v in BOOKING_OUT.items() if k != "language"}


def test_create_booking_forwards_the_body_and_the_key():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING, headers={"Idempotency-Key": "b-1"})
    assert response.status_code == 201, response.text
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("booking", "create_booking", (BOOKING, "b-1"))
    ]


def test_get_booking_forwards_its_id():
    fake = FakeRpc(script={("booking", "get_booking"): BOOKING_OUT})
    response = client(fake).get("/api/bookings/b1")
    assert response.status_code == 200
    assert response.json()["id"] == "b1"
    assert [(c.method, c.args) for c in fake.domain_calls()] == [("get_booking", ("b1",))]


def test_unknown_booking_is_404():
    error = NotFound("no booking x", what="booking", id="x")
    fake = FakeRpc(script={("booking", "get_booking"): remote("booking", error)})
    body = is_problem(client(fake).get("/api/bookings/x"), 404, "not_found")
    assert body["instance"] == "/api/bookings/x"
