"""The member's rights at the edge (fakes): GET /api/me/export (GDPR art. 15/20) and
DELETE /api/me (art. 17)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from contracts import SERVICE_NAMES
from contracts.identity import CONTEXT_KEY, Caller
from gateway import audit
from gateway.accounts.erasure import MARKER_PREFIX

from .fakes import FakeRpc, accounts_client, is_problem
from .test_auth import EMAIL, bearer, confirmed, fresh

OPERATOR = "s3cret-operator"
BOOKINGS = {"service": "booking", "bookings": [{"id": "b1", "phone": "06 12 34 56 78"}]}
CONTACT = {"service": "notifications", "contact": {"email": EMAIL}, "deliveries": []}


def exports() -> dict[tuple[str, str], dict]:
    answers = {(name, "export_member"): {"service": name} for name in SERVICE_NAMES}
    answers[("booking", "export_member")] = BOOKINGS
    answers[("notifications", "export_member")] = CONTACT
    return answers


@pytest.fixture
def member():
    """(client with a session cookie, its CSRF token, events, db, fake RPC)."""
    fake = FakeRpc(script=exports())
    api, events, db = accounts_client(fake, admin_token=OPERATOR)
    csrf = confirmed(api, events)
    return api, csrf, events, db, fake


def member_id(db) -> str:
    return db.members.find_one({"email": EMAIL})["_id"]


# --- export --------------------------------------------------------------------------------------


def test_export_needs_a_member(member):
    api, _, _, _, fake = member
    nobody = fresh(api)
    assert is_problem(nobody.get("/api/me/export"), 401)["code"] == "authentication_required"
    operator = nobody.get("/api/me/export", headers={"Authorization": f"Bearer {OPERATOR}"})
    assert is_problem(operator, 401)["code"] == "authentication_required"  # no member behind
    assert fake.domain_calls() == []  # no service asked for nobody


def test_export_gathers_the_gateway_s_data_and_each_service_s(member):
    api, _, _, db, fake = member
    token = bearer(api)
    db.members.update_one(
        {"email": EMAIL},
        {"$set": {"roles": ["coordinator"], "manages": ["p1"], "phone": "06 11 22 33 44"}},
    )
    audit.record(db, "someone-else", "role_granted", member_id=member_id(db), role="manager")
    response = api.get("/api/me/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        "attachment; filename=maillage-mes-donnees.json"
    )
    document = response.json()
    gateway = document["gateway"]
    assert gateway["profile"]["email"] == EMAIL and gateway["profile"]["name"] == "Véronique"
    assert gateway["profile"]["phone"] == "06 11 22 33 44"
    assert gateway["roles"] == ["coordinator"] and gateway["manages"] == ["p1"]
    assert gateway["consent"] == {"statistics": False}
    [session] = gateway["sessions"]
    assert session["current"] is True and session["expires_at"]
    [listed] = gateway["api_tokens"]
    assert listed["id"] == db.api_tokens.find_one()["id"]
    [line] = gateway["audit"]
    assert line["action"] == "role_granted" and line["by_me"] is False
    assert "someone-else" not in response.text  # another actor's id is not theirs to read
    # No secret, nor its digest: the cookie, the token, their stored _id, the password hash.
    text = response.text
    secrets = [api.cookies.get("maillage_session"), token]
    secrets += [doc["_id"] for doc in (*db.sessions.find(), *db.api_tokens.find())]
    secrets.append(db.members.find_one()["password_hash"])
    assert not [secret for secret in secrets if secret in text]
    # Each service answered for itself, asked on behalf of this member.
    assert document["services"]["booking"] == BOOKINGS
    assert document["services"]["notifications"] == CONTACT
    assert document["services"]["clubs"] == {"service": "clubs"}
    assert sorted(document["services"]) == sorted(SERVICE_NAMES)
    assert document["unavailable"] == []
    asked = [c for c in fake.domain_calls() if c.method == "export_member"]
    assert sorted(c.service for c in asked) == sorted(SERVICE_NAMES)
    for call in asked:
        assert Caller.from_context(call.context).member_id == member_id(db)
        assert CONTEXT_KEY in call.context


def test_export_names_the_services_that_could_not_answer(member):
    api, _, _, _, fake = member
    fake.down = {"clubs", "notifications"}
    document = api.get("/api/me/export").json()
    assert document["unavailable"] == ["clubs", "notifications"]  # in SERVICE_NAMES' order
    assert sorted(document["services"]) == ["booking", "directory"]
    assert document["services"]["booking"] == BOOKINGS


# --- erasure -------------------------------------------------------------------------------------


def test_erasure_needs_a_member_and_the_session_s_csrf_token(member):
    api, _, events, db, _ = member
    assert is_problem(fresh(api).delete("/api/me"), 401)["code"] == "authentication_required"
    operator = fresh(api).delete("/api/me", headers={"Authorization": f"Bearer {OPERATOR}"})
    assert is_problem(operator, 401)["code"] == "authentication_required"
    assert is_problem(api.delete("/api/me"), 403)["code"] == "csrf_failed"
    assert db.members.count_documents({}) == 1 and events.of("member_erased") == []


def test_erasure_deletes_the_account_and_its_credentials_and_tells_the_services(member):
    api, csrf, events, db, _ = member
    mine = member_id(db)
    token = bearer(api)
    soon = datetime.now(UTC) + timedelta(minutes=20)  # live: no TTL sweep removes it first
    db.links.insert_one({"_id": "l1", "member_id": mine, "purpose": "sign_in", "expires_at": soon})
    response = api.delete("/api/me", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204, response.text
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("maillage_session=") and "Max-Age=0" in cookie
    assert events.of("member_erased") == [{"member_id": mine, "email": EMAIL}]
    for collection in ("members", "sessions", "api_tokens", "links"):
        assert db[collection].count_documents({}) == 0, collection
    # The same credentials are dead: 401, and nothing erased twice.
    again = fresh(api).delete("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert is_problem(again, 401)["code"] == "invalid_token"
    assert len(events.of("member_erased")) == 1


def test_erasure_leaves_no_line_of_the_audit_log_naming_the_member(member):
    api, csrf, _, db, _ = member
    mine = member_id(db)
    audit.record(db, mine, "role_granted", member_id="another", role="manager")
    audit.record(db, "operator", "role_granted", member_id=mine, role="coordinator")
    audit.record(db, "operator", "dead_letter_replayed", service="booking", key="k")
    before = db[audit.COLLECTION].count_documents({})
    assert api.delete("/api/me", headers={"X-CSRF-Token": csrf}).status_code == 204

    lines = list(db[audit.COLLECTION].find({}, {"_id": 0}))
    assert mine not in json.dumps(lines, default=str)
    assert len(lines) == before + 1
    [act] = [line for line in lines if line["action"] == "member_erased"]
    erased = act["actor"]
    assert erased.startswith(MARKER_PREFIX) and act["details"]["member_id"] == erased
    # One marker for all their lines, not the plain digest of the id (it needs the secret).
    assert erased != MARKER_PREFIX + hashlib.sha256(mine.encode()).hexdigest()[:24]
    by_them = [line for line in lines if line["details"].get("role") == "manager"]
    about_them = [line for line in lines if line["details"].get("role") == "coordinator"]
    assert by_them[0]["actor"] == erased and by_them[0]["details"]["member_id"] == "another"
    assert about_them[0]["actor"] == "operator"
    assert about_them[0]["details"]["member_id"] == erased
    replayed = [line for line in lines if line["action"] == "dead_letter_replayed"]
    assert replayed[0]["actor"] == "operator" and replayed[0]["details"]["key"] == "k"


def test_erasure_by_bearer_token_then_the_token_is_dead(member):
    api, _, events, db, _ = member
    headers = {"Authorization": f"Bearer {bearer(api)}"}
    other = fresh(api)
    assert other.delete("/api/me", headers=headers).status_code == 204  # no CSRF: no cookie
    assert is_problem(other.get("/api/me", headers=headers), 401)["code"] == "invalid_token"
    assert db.members.count_documents({}) == 0 and len(events.of("member_erased")) == 1
