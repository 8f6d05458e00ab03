"""``/api/bookings`` (routers/bookings.py)."""

from __future__ import annotations

import pytest

from contracts.booking import BookingStarted, NotCancellable
from contracts.errors import Forbidden, NotFound
from contracts.identity import Caller, TerritoryRole

from .fakes import BOOKING, BOOKING_OUT, FakeRpc, client, is_problem, remote

# What the booking service answers to someone who neither owns the booking nor is staff.
PUBLIC_BOOKING = {**BOOKING_OUT, "name": None, "email": None, "language": None}


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


# --- who is asking: the caller reaches the booking service, which decides -------------------
def test_get_booking_passes_no_caller_when_anonymous():
    fake = FakeRpc(script={("booking", "get_booking"): PUBLIC_BOOKING})
    response = client(fake).get("/api/bookings/b1")
    assert response.status_code == 200
    assert response.json()["name"] is None and response.json()["email"] is None
    [call] = fake.domain_calls()
    assert "caller" not in call.context  # anonymous: the service shows no one's name


def test_get_booking_passes_the_operator_as_caller():
    fake = FakeRpc(script={("booking", "get_booking"): BOOKING_OUT})
    api = client(fake, admin_token="s3cret-token")
    response = api.get("/api/bookings/b1", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200
    caller = Caller.from_context(fake.domain_calls()[0].context)
    assert caller.operator and caller.roles == (TerritoryRole.admin,)


def test_cancel_booking_forwards_the_id_and_the_key():
    cancelled = {**BOOKING_OUT, "status": "cancelled"}
    fake = FakeRpc(script={("booking", "cancel_booking"): cancelled})
    response = client(fake).post("/api/bookings/b1/cancel", headers={"Idempotency-Key": "c-1"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert [(c.method, c.args) for c in fake.domain_calls()] == [("cancel_booking", ("b1", "c-1"))]


def test_cancel_booking_makes_a_key_when_the_client_sends_none():
    fake = FakeRpc(script={("booking", "cancel_booking"): BOOKING_OUT})
    client(fake).post("/api/bookings/b1/cancel")
    [call] = fake.domain_calls()
    assert call.args[0] == "b1" and len(call.args[1]) == 32


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Forbidden("not yours", what="booking", id="b1"), 403, "forbidden"),
        (NotFound("no booking b1", what="booking", id="b1"), 404, "not_found"),
        (
            BookingStarted("started", start="2030-05-02T09:00:00+02:00"),
            409,
            "booking_already_started",
        ),
        (NotCancellable("rejected", status="rejected"), 409, "booking_not_cancellable"),
    ],
)
def test_cancel_booking_refusals_are_problems(error, status, code):
    fake = FakeRpc(script={("booking", "cancel_booking"): remote("booking", error)})
    body = is_problem(client(fake).post("/api/bookings/b1/cancel"), status, code)
    assert body["title"] and body["detail"]


def test_cancel_refusal_reads_in_english():
    error = Forbidden("not yours", what="booking", id="b1")
    fake = FakeRpc(script={("booking", "cancel_booking"): remote("booking", error)})
    response = client(fake).post("/api/bookings/b1/cancel", headers={"Accept-Language": "en"})
    body = is_problem(response, 403, "forbidden")
    assert body["detail"] == "You are not allowed to do this."


def test_a_bad_idempotency_key_is_refused_before_any_call():
    fake = FakeRpc()
    is_problem(
        client(fake).post("/api/bookings/b1/cancel", headers={"Idempotency-Key": "no spaces"}),
        400,
        "bad_idempotency_key",
    )
    assert fake.domain_calls() == []
