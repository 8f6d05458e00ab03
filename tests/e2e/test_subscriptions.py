"""Resident seats on the real platform (issue 8): Arrêt Minute's desk pool has 5 resident
and 2 drop-in seats. Its facilitator subscribes members for whole months (every month or
none; a retry with the same Idempotency-Key subscribes once); a member sees their own; a
sixth resident is refused with the full month; drop-in bookings get 2 seats; seats cannot go
below what is booked; cancelling gives back the months not begun."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .helpers import OPERATOR, add_resource, create_place, day, is_problem, member

pytestmark = pytest.mark.e2e

POOL = {"name": "Espace partagé", "kind": "desk_pool", "seats": 7, "resident_seats": 5}


def subscription(email: str, start: str = "2031-01", months: int = 3) -> dict:
    return {"name": "Résident", "email": email, "start": start, "months": months}


def test_resident_seats_through_the_api(verdon, api: httpx.Client):
    place = create_place(api, name=f"Arrêt Minute {uuid.uuid4().hex[:6]}")["id"]
    facilitator, theirs = member(verdon, api, "Facilitatrice")
    veronique, hers = member(verdon, api, "Véronique")
    grant = {"email": facilitator, "role": "manager", "scope": f"place:{place}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    pool = add_resource(api, place, POOL)
    assert (pool["seats"], pool["resident_seats"]) == (7, 5)
    path = f"/api/resources/{pool['id']}/subscriptions"

    # A member may not subscribe anyone, herself included.
    refused = api.post(path, json=subscription(veronique), headers=hers)
    assert is_problem(refused, 403)["code"] == "forbidden"
    # The facilitator subscribes her; the same Idempotency-Key again is the same subscription.
    again = {**theirs, "Idempotency-Key": f"sub-{uuid.uuid4().hex}"}
    made = api.post(path, json=subscription(veronique), headers=again)
    assert made.status_code == 201, made.text
    assert api.post(path, json=subscription(veronique), headers=again).json() == made.json()
    assert made.json()["status"] == "active"
    mine = api.get("/api/me/subscriptions", headers=hers).json()
    assert [s["id"] for s in mine] == [made.json()["id"]]

    # Four more residents from February: February and March are full, January is not.
    for n in range(4):
        body = subscription(f"resident{n}.{uuid.uuid4().hex[:6]}@example.org", "2031-02", 2)
        assert api.post(path, json=body, headers=theirs).status_code == 201
    late = subscription(f"late.{uuid.uuid4().hex[:6]}@example.org", "2031-01", 2)
    full = is_problem(api.post(path, json=late, headers=theirs), 409)
    assert (full["code"], full["month"], full["resident_seats"]) == (
        "no_resident_seat_left",
        "2031-02",
        5,
    )
    # January was given back: a one-month subscription for it still fits.
    january = api.post(path, json={**late, "months": 1}, headers=theirs)
    assert january.status_code == 201, january.text
    listed = api.get(path, headers=theirs).json()
    assert len(listed) == 6 and all(s["status"] == "active" for s in listed)
    assert is_problem(api.get(path, headers=hers), 403)["code"] == "forbidden"

    # Drop-in: 2 seats; lowering seats under a booking is refused with the day and count.
    booking = {"resource_id": pool["id"], "start": day(6, 9), "end": day(6, 11), "seats": 2}
    too_many = is_problem(
        api.post("/api/bookings", json={**booking, "seats": 3}, headers=hers), 422
    )
    assert too_many["code"] == "too_many_seats"
    assert api.post("/api/bookings", json=booking, headers=hers).status_code == 201
    patch = f"/api/resources/{pool['id']}"
    below = is_problem(api.patch(patch, json={"seats": 6}, headers=theirs), 409)
    assert (below["code"], below["day"], below["seats_taken"], below["seats_drop_in"]) == (
        "seats_below_bookings",
        day(6, 9)[:10],
        2,
        1,
    )
    fewer = is_problem(api.patch(patch, json={"resident_seats": 4}, headers=theirs), 409)
    assert (fewer["code"], fewer["month"], fewer["subscribed"]) == (
        "resident_seats_below_subscriptions",
        "2031-02",
        5,
    )

    # Cancelling gives back the months not begun (all of them, in 2031).
    cancel = f"/api/subscriptions/{made.json()['id']}/cancel"
    assert is_problem(api.post(cancel, headers=hers), 403)["code"] == "forbidden"
    cancelled = api.post(cancel, headers=theirs)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["released_from"]) == (
        "cancelled",
        "2031-01",
    )
    assert api.post(cancel, headers=theirs).json() == cancelled.json()
    other = subscription(f"next.{uuid.uuid4().hex[:6]}@example.org", "2031-02", 2)
    assert api.post(path, json=other, headers=theirs).status_code == 201
