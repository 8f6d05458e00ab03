"""``/api/admin/...`` (routers/admin.py): dead letters and the audit log, for a territory admin
(a member with the admin role, or the operator's bearer token)."""

from __future__ import annotations

import pytest

from contracts.identity import Caller

from .fakes import FakeRpc, accounts_client, client, is_problem, member, memory_db

BEARER = {"Authorization": "Bearer s3cret-token"}


def test_admin_routes_are_401_for_no_one_even_without_an_operator_token():
    fake = FakeRpc()
    api = client(fake, admin_token="")
    body = is_problem(api.get("/api/admin/dead-letters/booking"), 401, "authentication_required")
    assert body["code"] == "authentication_required"
    # No operator token configured: any bearer is an unknown token, never the operator.
    is_problem(api.get("/api/admin/dead-letters/booking", headers=BEARER), 401, "invalid_token")
    is_problem(
        api.get("/api/admin/dead-letters/booking", headers={"Authorization": "Bearer "}),
        401,
        "invalid_token",
    )
    assert fake.calls == []


@pytest.mark.parametrize("roles", [(), ("coordinator",)])
def test_admin_routes_are_403_for_a_member_who_is_not_a_territory_admin(roles):
    fake = FakeRpc(script={("booking", "replay_dead_letter"): True})
    api, _, db = accounts_client(fake, admin_token="s3cret-token")
    someone = member(api, roles=roles, manages=("p1",))
    for response in (
        someone.client.get("/api/admin/dead-letters/booking"),
        someone.client.post("/api/admin/dead-letters/booking/d1/replay"),
        someone.client.post("/api/admin/dead-letters/booking/replay"),
        someone.client.get("/api/admin/audit"),
    ):
        is_problem(response, 403, "forbidden")
    assert fake.domain_calls() == []
    assert db.audit.count_documents({}) == 0


def test_a_signed_in_territory_admin_uses_the_admin_routes_as_themselves():
    fake = FakeRpc(
        script={("booking", "dead_letters"): [], ("booking", "replay_dead_letter"): True}
    )
    api, _, _ = accounts_client(fake, admin_token="")  # no operator token needed
    admin = member(api, "ada@example.org", "Ada", roles=("admin",))
    assert admin.client.get("/api/admin/dead-letters/booking").json() == []
    replayed = admin.client.post("/api/admin/dead-letters/booking/d1/replay")
    assert replayed.status_code == 200, replayed.text
    caller = Caller.from_context(fake.domain_calls()[-1].context)
    assert caller.member_id == admin.id and not caller.operator and caller.admin
    [line] = admin.client.get("/api/admin/audit").json()
    assert (line["actor"], line["action"]) == (admin.id, "dead_letter_replayed")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "s3cret-token"},
        {"Authorization": "Basic s3cret-token"},
        {"Authorization": "Bearer s3cret-token2"},
    ],
)
def test_admin_routes_are_401_without_the_right_bearer(headers):
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.get("/api/admin/dead-letters/booking", headers=headers), 401)
    assert fake.calls == []


def test_admin_dead_letters_are_forwarded_with_the_right_bearer():
    letters = [{"id": "d1", "key": "k", "attempts": 3}]
    fake = FakeRpc(script={("notifications", "dead_letters"): letters})
    api = client(fake, admin_token="s3cret-token")
    response = api.get(
        "/api/admin/dead-letters/notifications", headers={**BEARER, "X-Correlation-Id": "op-1"}
    )
    assert response.status_code == 200
    assert response.json() == letters
    [call] = fake.calls
    assert (call.service, call.method, call.args) == ("notifications", "dead_letters", ())
    assert call.context["correlation_id"] == "op-1" and '"operator":true' in call.context["caller"]


def test_admin_unknown_service_is_404():
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.get("/api/admin/dead-letters/billing", headers=BEARER), 404)
    response = api.post("/api/admin/dead-letters/billing/d1/replay", json={}, headers=BEARER)
    is_problem(response, 404)
    assert fake.calls == []


def test_admin_replay_is_forwarded_with_the_right_bearer():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): True})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/d1/replay", json={}, headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.json() == {"replayed": "d1"}
    assert [(c.service, c.method, c.args) for c in fake.calls] == [
        ("booking", "replay_dead_letter", ("d1",))
    ]


def test_admin_replay_of_an_unknown_letter_is_404():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): False})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/d9/replay", json={}, headers=BEARER)
    body = is_problem(response, 404)
    assert "d9" in body["detail"]
    assert [c.args for c in fake.domain_calls()] == [("d9",)]


def test_admin_replay_without_bearer_is_401():
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.post("/api/admin/dead-letters/booking/d1/replay", json={}), 401)
    assert fake.calls == []


def test_admin_replay_without_a_body_is_accepted():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): True})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/d1/replay", headers=BEARER)
    assert response.status_code == 200, response.text


def test_bulk_replay_is_forwarded_with_its_filters_and_answers_the_count():
    fake = FakeRpc(script={("notifications", "replay_dead_letters"): 7})
    api = client(fake, admin_token="s3cret-token")
    response = api.post(
        "/api/admin/dead-letters/notifications/replay",
        params={
            "type": "booking_confirmed",
            "since": "2026-11-25T08:00:00+01:00",
            "until": "2026-11-25T10:00:00",  # no offset: UTC
        },
        headers=BEARER,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"replayed": 7}
    [call] = fake.domain_calls()
    assert (call.service, call.method) == ("notifications", "replay_dead_letters")
    assert call.args == (
        "booking_confirmed",
        "2026-11-25T07:00:00+00:00",
        "2026-11-25T10:00:00+00:00",
    )


def test_bulk_replay_without_filters_replays_everything_of_the_service():
    fake = FakeRpc(script={("booking", "replay_dead_letters"): 0})
    api = client(fake, admin_token="s3cret-token")
    response = api.post("/api/admin/dead-letters/booking/replay", headers=BEARER)
    assert response.status_code == 200, response.text
    assert response.json() == {"replayed": 0}
    assert [c.args for c in fake.domain_calls()] == [(None, None, None)]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"type": "Booking Confirmed"},
        {"since": "2026-11-25T10:00:00+00:00", "until": "2026-11-25T10:00:00+00:00"},
        {"since": "2026-11-25T10:00:00+00:00", "until": "2026-11-25T11:00:00+02:00"},
    ],
)
def test_bulk_replay_with_a_bad_filter_is_422_and_replays_nothing(params):
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    response = api.post(
        "/api/admin/dead-letters/notifications/replay", params=params, headers=BEARER
    )
    body = is_problem(response, 422, "validation_failed")
    assert body["errors"]
    assert fake.domain_calls() == []


def test_bulk_replay_needs_the_bearer_and_a_known_service():
    fake = FakeRpc()
    api = client(fake, admin_token="s3cret-token")
    is_problem(api.post("/api/admin/dead-letters/notifications/replay"), 401)
    is_problem(api.post("/api/admin/dead-letters/billing/replay", headers=BEARER), 404)
    assert fake.domain_calls() == []


def test_replays_are_written_in_the_audit_log_an_admin_can_read():
    fake = FakeRpc(
        script={
            ("booking", "replay_dead_letter"): True,
            ("notifications", "replay_dead_letters"): 3,
        }
    )
    db = memory_db()
    api = client(fake, db=db, admin_token="s3cret-token")
    api.post("/api/admin/dead-letters/booking/d1/replay", headers=BEARER)
    api.post(
        "/api/admin/dead-letters/notifications/replay",
        params={"type": "booking_confirmed"},
        headers=BEARER,
    )
    log = api.get("/api/admin/audit", headers=BEARER)
    assert log.status_code == 200, log.text
    newest, oldest = log.json()
    assert (oldest["actor"], oldest["action"], oldest["details"]) == (
        "operator",
        "dead_letter_replayed",
        {"service": "booking", "id": "d1"},
    )
    assert newest["action"] == "dead_letters_replayed"
    assert (newest["details"]["type"], newest["details"]["count"]) == ("booking_confirmed", 3)
    assert is_problem(api.get("/api/admin/audit"), 401)


def test_a_refused_replay_leaves_no_audit_line():
    fake = FakeRpc(script={("booking", "replay_dead_letter"): False})
    db = memory_db()
    api = client(fake, db=db, admin_token="s3cret-token")
    api.post("/api/admin/dead-letters/booking/nope/replay", headers=BEARER)
    assert api.get("/api/admin/audit", headers=BEARER).json() == []


def test_the_gateway_database_away_is_503_with_retry_after():
    from pymongo import MongoClient

    from tools.infra import free_port

    away = MongoClient(f"mongodb://127.0.0.1:{free_port()}/", serverSelectionTimeoutMS=100)
    api = client(FakeRpc(), db=away["unit_gateway"], admin_token="s3cret-token")
    response = api.get("/api/admin/audit", headers=BEARER)
    assert is_problem(response, 503, "database_unavailable")
    assert response.headers["Retry-After"]
