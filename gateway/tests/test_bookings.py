"""``/api/bookings`` (routers/bookings.py)."""

from __future__ import annotations

import pytest

from contracts.booking import BookingStarted, NotCancellable
from contracts.errors import AuthenticationRequired, Forbidden, NotFound
from contracts.identity import Caller, TerritoryRole

from .fakes import (
    BOOKING,
    BOOKING_OUT,
    FakeRpc,
    accounts_client,
    client,
    is_problem,
    member,
    remote,
)

# What the booking service answers to someone who neither owns the booking nor is staff.
PUBLIC_BOOKING = {**BOOKING_OUT, "name": None, "email": None, "language": None}


def test_create_booking_returns_201_and_the_booking():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING)
    assert response.status_code == 201
    shown = {k: v for k, v in BOOKING_OUT.items() if k != "language"}
    assert response.json() == {**shown, "phone": None}


def test_create_booking_forwards_the_body_and_the_key():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    response = client(fake).post("/api/bookings", json=BOOKING, headers={"Idempotency-Key": "b-1"})
    assert response.status_code == 201, response.text
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("booking", "create_booking", ({**BOOKING, "phone": None}, "b-1"))
    ]


def test_an_anonymous_booking_is_the_services_401():
    # The gateway forwards; the booking service decides that booking needs someone signed in.
    error = AuthenticationRequired("sign in to book", action="book")
    fake = FakeRpc(script={("booking", "create_booking"): remote("booking", error)})
    is_problem(client(fake).post("/api/bookings", json=BOOKING), 401, "authentication_required")
    assert "caller" not in fake.domain_calls()[0].context


def test_a_member_books_without_naming_themselves_and_is_the_caller():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    api, _, _ = accounts_client(fake)
    veronique = member(api, "veronique@example.org", "Véronique")
    mine = {k: v for k, v in BOOKING.items() if k not in ("name", "email")}
    response = veronique.client.post("/api/bookings", json=mine)
    assert response.status_code == 201, response.text
    [call] = fake.domain_calls()
    assert call.args[0] == {**mine, "name": None, "email": None, "phone": None}
    caller = Caller.from_context(call.context)
    assert (caller.member_id, caller.email, caller.name) == (
        veronique.id,
        "veronique@example.org",
        "Véronique",
    )


def test_a_manager_books_for_someone_by_phone():
    fake = FakeRpc(script={("booking", "create_booking"): BOOKING_OUT})
    api, _, _ = accounts_client(fake)
    facilitator = member(api, "animation@example.org", "Fabienne", manages=("p1",))
    for_marceline = {**BOOKING, "email": None, "phone": "06 12 34 56 78"}
    response = facilitator.client.post("/api/bookings", json=for_marceline)
    assert response.status_code == 201, response.text
    [call] = fake.domain_calls()
    assert call.args[0] == for_marceline
    assert Caller.from_context(call.context).manages == ("p1",)


@pytest.mark.parametrize("phone", ["call me", "12", "+33 6 12 34 56 78 99 99 99 99 99 99"])
def test_a_phone_that_is_no_number_is_422_before_any_call(phone):
    fake = FakeRpc()
    body = is_problem(client(fake).post("/api/bookings", json={**BOOKING, "phone": phone}), 422)
    assert "phone" in [e["field"] for e in body["errors"]]
    assert fake.calls == []


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
