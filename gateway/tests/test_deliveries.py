"""``/api/admin/deliveries`` and ``/api/admin/suspensions`` (routers/deliveries.py): the
delivery log and the suspended addresses, for a territory admin or the operator's token."""

from __future__ import annotations

import pytest

from contracts.identity import Caller

from .fakes import FakeRpc, accounts_client, client, is_problem, member

BEARER = {"Authorization": "Bearer s3cret-token"}
LOG = [
    {"event_id": "e1", "kind": "booking_confirmed", "address": "m@example.org", "status": "sent"}
]
SUSPENDED = [{"email": "m@example.org", "since": "2026-11-26T06:00:00+00:00", "reason": "550"}]
LIFTED = {"email": "m@example.org", "lifted": True, "lifted_at": "2026-11-26T07:00:00+00:00"}


def fake() -> FakeRpc:
    return FakeRpc(
        script={
            ("notifications", "delivery_log"): LOG,
            ("notifications", "suspensions"): SUSPENDED,
            ("notifications", "lift_suspension"): LIFTED,
        }
    )


def test_the_operator_reads_the_log_per_address_and_event():
    rpc = fake()
    api = client(rpc, admin_token="s3cret-token")
    query = {"email": "M@example.org", "event_id": "e1", "status": "sent", "limit": 10}
    response = api.get("/api/admin/deliveries", params=query, headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.json() == LOG
    [call] = rpc.domain_calls()
    assert (call.service, call.method) == ("notifications", "delivery_log")
    assert call.kwargs == {
        "email": "M@example.org",
        "event_id": "e1",
        "status": "sent",
        "limit": 10,
    }
    assert Caller.from_context(call.context).operator


@pytest.mark.parametrize(
    "query", [{"status": "lost"}, {"limit": 0}, {"limit": 501}, {"email": "x" * 255}]
)
def test_a_bad_query_is_422_before_any_call(query):
    rpc = fake()
    api = client(rpc, admin_token="s3cret-token")
    is_problem(api.get("/api/admin/deliveries", params=query, headers=BEARER), 422)
    assert rpc.domain_calls() == []


def test_suspensions_are_listed_and_lifted_with_the_key_and_an_audit_line():
    rpc = fake()
    api, _, db = accounts_client(rpc, admin_token="")
    admin = member(api, "ada@example.org", "Ada", roles=("admin",))
    assert admin.client.get("/api/admin/suspensions").json() == SUSPENDED
    lifted = admin.client.post(
        "/api/admin/suspensions/lift",
        json={"email": "m@example.org"},
        headers={"Idempotency-Key": "lift-m-1"},
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json() == LIFTED
    call = rpc.domain_calls()[-1]
    assert call.args == ({"email": "m@example.org", "idempotency_key": "lift-m-1"},)
    assert Caller.from_context(call.context).member_id == admin.id
    [line] = db.audit.find({"action": "suspension_lifted"})
    assert line["actor"] == admin.id and line["details"]["email"] == "m@example.org"
    bad = admin.client.post("/api/admin/suspensions/lift", json={"email": "not an address"})
    is_problem(bad, 422)


@pytest.mark.parametrize("roles", [(), ("coordinator",)])
def test_others_are_refused_before_any_call(roles):
    rpc = fake()
    api, _, db = accounts_client(rpc, admin_token="s3cret-token")
    someone = member(api, roles=roles, manages=("p1",))
    for response in (
        someone.client.get("/api/admin/deliveries"),
        someone.client.get("/api/admin/suspensions"),
        someone.client.post("/api/admin/suspensions/lift", json={"email": "m@example.org"}),
    ):
        is_problem(response, 403, "forbidden")
    anonymous = client(rpc, admin_token="s3cret-token")
    is_problem(anonymous.get("/api/admin/deliveries"), 401, "authentication_required")
    assert rpc.domain_calls() == []
    assert db.audit.count_documents({}) == 0
