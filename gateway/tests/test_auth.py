"""Accounts at the edge: sign-up, confirmation, sign-in by password or link, password reset,
sign-out, sessions, CSRF, API tokens, rate limits, and the caller passed to the services."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway import ratelimit
from gateway.accounts.secrets import digest
from gateway.deps import SESSION_COOKIE

from .fakes import PLACE_OUT, FakeRpc, TestClient, accounts_client, is_problem, page_of

EMAIL = "veronique@example.org"
PASSWORD = "un mot de passe sûr"


def token_of(link: str) -> str:
    """The single-use token of an emailed link (query ``token`` or the path's last part)."""
    parts = urlsplit(link)
    return parse_qs(parts.query)["token"][0] if parts.query else parts.path.rsplit("/", 1)[-1]


def sign_up(api, events, email=EMAIL, password=PASSWORD, name="Véronique", **extra):
    response = api.post(
        "/api/auth/signup", json={"email": email, "password": password, "name": name, **extra}
    )
    assert response.status_code == 202, response.text
    return events.of("email_confirmation_requested")[-1]


def confirmed(api, events, email=EMAIL, password=PASSWORD, name="Véronique"):
    """A confirmed member whose browser (``api``) holds a session: the CSRF token."""
    link = sign_up(api, events, email, password, name)["link"]
    response = api.get(
        "/api/auth/confirm", params={"token": token_of(link)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    return api.get("/api/me").json()["csrf_token"]


def bearer(api, email=EMAIL, password=PASSWORD) -> str:
    response = api.post("/api/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    return body["access_token"]


@pytest.fixture
def setup():
    return accounts_client()


@pytest.fixture
def api(setup):
    return setup[0]


@pytest.fixture
def events(setup):
    return setup[1]


@pytest.fixture
def db(setup):
    return setup[2]


def fresh(api) -> TestClient:
    """Another browser or client of the same app (no cookie)."""
    return TestClient(api.app, raise_server_exceptions=False)


# --- sign-up and confirmation ----------------------------------------------------------------


def test_sign_up_creates_an_unconfirmed_account_and_emails_a_link(api, events, db):
    sent = sign_up(api, events, email="  Veronique@Example.ORG ", language="en")
    assert sent["email"] == EMAIL and sent["name"] == "Véronique" and sent["language"] == "en"
    assert sent["link"].startswith("http://127.0.0.1:8000/api/auth/confirm?token=")
    assert datetime.fromisoformat(sent["expires_at"]) > datetime.now(UTC) + timedelta(hours=47)
    member = db.members.find_one({"email": EMAIL})
    assert member["confirmed"] is False
    assert not events.of("member_registered")


def test_sign_up_answers_the_same_for_known_unknown_and_confirmed_addresses(api, events):
    first = api.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD, "name": "V"})
    again = api.post("/api/auth/signup", json={"email": EMAIL, "password": PASSWORD, "name": "V"})
    confirmed(fresh(api), events, email="thierry@example.org")
    known = api.post(
        "/api/auth/signup",
        json={"email": "thierry@example.org", "password": PASSWORD, "name": "Thierry"},
    )
    assert first.status_code == again.status_code == known.status_code == 202
    assert first.json() == again.json() == known.json() == {"status": "accepted"}
    # the owner of the confirmed address gets a sign-in link, nothing changes otherwise
    assert [e["email"] for e in events.of("sign_in_link_requested")] == ["thierry@example.org"]


def test_the_language_of_the_sign_up_defaults_to_the_request(api, events):
    api.headers["Accept-Language"] = "en-GB,en;q=0.9"
    assert sign_up(api, events)["language"] == "en"


def test_confirmation_signs_in_emits_member_registered_and_is_single_use(api, events, db):
    link = sign_up(api, events)["link"]
    response = api.get(
        "/api/auth/confirm", params={"token": token_of(link)}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http public URL
    me = api.get("/api/me").json()
    assert me["email"] == EMAIL
    [registered] = events.of("member_registered")
    assert registered == {
        "member_id": me["id"],
        "email": EMAIL,
        "name": "Véronique",
        "language": "fr",
        "timezone": "Europe/Paris",
    }
    again = fresh(api).get("/api/auth/confirm", params={"token": token_of(link)})
    is_problem(again, 404, "invalid_link")
    assert len(events.of("member_registered")) == 1


def test_an_expired_or_unknown_confirmation_link_is_refused(api, events, db):
    link = sign_up(api, events)["link"]
    db.links.update_many({}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}})
    is_problem(api.get("/api/auth/confirm", params={"token": token_of(link)}), 404, "invalid_link")
    is_problem(api.get("/api/auth/confirm", params={"token": "nope"}), 404, "invalid_link")
    assert db.members.find_one({"email": EMAIL})["confirmed"] is False


def test_confirming_sets_the_password_of_the_sign_up_followed_not_a_later_one(api, events):
    # Someone else signs up with Véronique's address: her own link keeps her password.
    own = sign_up(api, events, password=PASSWORD)["link"]
    sign_up(api, events, password="the intruder's one")
    fresh(api).get("/api/auth/confirm", params={"token": token_of(own)})
    is_problem(
        api.post("/api/auth/token", json={"email": EMAIL, "password": "the intruder's one"}),
        401,
        "invalid_credentials",
    )
    assert bearer(api)


def test_confirming_voids_the_other_pending_confirmations(api, events):
    first = sign_up(api, events)["link"]
    second = sign_up(api, events)["link"]
    confirmed_by_second = fresh(api).get(
        "/api/auth/confirm", params={"token": token_of(second)}, follow_redirects=False
    )
    assert confirmed_by_second.status_code == 303
    voided = fresh(api).get("/api/auth/confirm", params={"token": token_of(first)})
    assert is_problem(voided, 404)["code"] == "invalid_link"


def test_sign_up_refuses_a_bad_address_a_short_password_or_a_name_with_a_line_break(
    api, events, db
):
    for body, field in (
        ({"email": "not-an-address", "password": PASSWORD, "name": "V"}, "email"),
        ({"email": EMAIL, "password": "short", "name": "V"}, "password"),
        ({"email": EMAIL, "password": PASSWORD, "name": "V\r\nBcc: x@example.org"}, "name"),
        ({"email": EMAIL, "password": PASSWORD, "name": "V", "role": "admin"}, "role"),
    ):
        body = is_problem(api.post("/api/auth/signup", json=body), 422, "validation_failed")
        assert [e["field"] for e in body["errors"]] == [field]
    assert db.members.count_documents({}) == 0 and events.emitted == []


# --- sign-in by password ----------------------------------------------------------------------


def test_the_password_is_stored_as_argon2id_and_never_in_clear(api, events, db):
    confirmed(api, events)
    stored = db.members.find_one({"email": EMAIL})["password_hash"]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in json.dumps([*db.members.find(), *db.links.find()], default=str)


def test_token_while_unconfirmed_is_403_and_wrong_password_or_address_the_same_401(api, events):
    sign_up(api, events)
    is_problem(
        api.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD}),
        403,
        "email_not_confirmed",
    )
    # wrong password while unconfirmed: 401, not 403 (the 403 needs the password)
    wrong_unconfirmed = api.post("/api/auth/token", json={"email": EMAIL, "password": "wrong!"})
    is_problem(wrong_unconfirmed, 401, "invalid_credentials")
    confirmed(fresh(api), events, email="thierry@example.org")
    wrong = api.post("/api/auth/token", json={"email": "thierry@example.org", "password": "x"})
    unknown = api.post("/api/auth/token", json={"email": "nobody@example.org", "password": "x"})
    for response in (wrong, unknown):
        is_problem(response, 401, "invalid_credentials")
    assert wrong.json() == unknown.json()


def test_a_member_without_a_password_cannot_sign_in_by_password(api, events, db):
    confirmed(api, events)
    db.members.update_one({"email": EMAIL}, {"$set": {"password_hash": None}})
    response = api.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert is_problem(response, 401)["code"] == "invalid_credentials"
    assert db.api_tokens.count_documents({}) == 0


def test_a_hash_made_with_other_parameters_is_redone_at_sign_in(setup, db):
    api, events, _ = setup
    confirmed(api, events)
    before = db.members.find_one({"email": EMAIL})["password_hash"]
    assert "m=8,t=1,p=1" in before
    stronger, _, _ = accounts_client(argon2_memory_kib=16, argon2_time_cost=2)
    stronger.app.state.db = db
    stronger.app.state.events = events
    assert bearer(stronger)
    after = db.members.find_one({"email": EMAIL})["password_hash"]
    assert after.startswith("$argon2id$") and "m=16,t=2,p=1" in after


def test_a_bearer_token_authenticates_is_stored_hashed_and_is_listed(api, events, db):
    confirmed(api, events)
    token = bearer(api)
    assert token.startswith("mlg_")
    client = fresh(api)
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["email"] == EMAIL
    assert me.json()["csrf_token"] is None
    [listed] = me.json()["tokens"]
    stored = db.api_tokens.find_one({"id": listed["id"]})
    assert stored["_id"] == digest(token) and token not in json.dumps(stored, default=str)


def test_a_wrong_bearer_token_is_401_not_anonymous(api):
    for header in ("Bearer mlg_nope", "Basic abc", "Bearer "):
        response = api.get("/api/places", headers={"Authorization": header})
        assert is_problem(response, 401)["code"] == "invalid_token", header
    assert api.app.state.rpc.domain_calls() == []  # refused before any service


def test_a_revoked_token_no_longer_works(api, events):
    confirmed(api, events)
    token = bearer(api)
    headers = {"Authorization": f"Bearer {token}"}
    token_id = fresh(api).get("/api/me", headers=headers).json()["tokens"][0]["id"]
    other = fresh(api)
    is_problem(other.delete(f"/api/auth/tokens/{token_id}"), 401, "authentication_required")
    assert fresh(api).delete(f"/api/auth/tokens/{token_id}", headers=headers).status_code == 204
    is_problem(fresh(api).get("/api/me", headers=headers), 401, "invalid_token")
    is_problem(
        fresh(api).delete("/api/auth/tokens/x", headers={"Authorization": f"Bearer {bearer(api)}"}),
        404,
    )


def test_an_expired_token_or_session_no_longer_works(api, events, db):
    confirmed(api, events)
    token = bearer(api)
    past = {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    db.api_tokens.update_many({}, past)
    db.sessions.update_many({}, past)
    by_token = fresh(api).get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert is_problem(by_token, 401)["code"] == "invalid_token"
    assert is_problem(api.get("/api/me"), 401)["code"] == "authentication_required"


def test_a_token_of_another_member_cannot_be_revoked(api, events):
    confirmed(api, events)
    mine_headers = {"Authorization": f"Bearer {bearer(api)}"}
    mine = fresh(api).get("/api/me", headers=mine_headers)
    token_id = mine.json()["tokens"][0]["id"]
    thierry = fresh(api)
    confirmed(thierry, events, email="thierry@example.org")
    theirs = {"Authorization": f"Bearer {bearer(api, 'thierry@example.org')}"}
    refused = fresh(api).delete(f"/api/auth/tokens/{token_id}", headers=theirs)
    assert is_problem(refused, 404)["status"] == 404
    assert token_id in [
        t["id"] for t in fresh(api).get("/api/me", headers=mine_headers).json()["tokens"]
    ]


def test_a_session_by_password_gives_its_csrf_token(api, events):
    confirmed(fresh(api), events)
    response = api.post("/api/auth/session", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    assert api.get("/api/me").json()["csrf_token"] == response.json()["csrf_token"]


# --- sessions and CSRF ------------------------------------------------------------------------


def test_sessions_are_stored_hashed(api, events, db):
    confirmed(api, events)
    raw = api.cookies.get(SESSION_COOKIE)
    [session] = db.sessions.find()
    assert session["_id"] == digest(raw)
    assert raw not in json.dumps(list(db.sessions.find()), default=str)


def test_secure_cookie_with_the_host_prefix_over_https(events):
    api, events, _ = accounts_client(public_url="https://verdon.maillage.example")
    link = sign_up(api, events)["link"]
    assert link.startswith("https://verdon.maillage.example/api/auth/confirm?token=")
    response = api.get(
        "/api/auth/confirm", params={"token": token_of(link)}, follow_redirects=False
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"__Host-{SESSION_COOKIE}=") and "Secure" in cookie


def test_a_cookie_authenticated_unsafe_request_needs_the_csrf_token(api, events):
    api.app.state.rpc.script[("directory", "create_place")] = PLACE_OUT
    csrf = confirmed(api, events)
    body = {"name": "Les Bories", "commune": "Riez"}
    is_problem(api.patch("/api/me", json={"name": "V"}), 403, "csrf_failed")
    wrong = api.patch("/api/me", json={"name": "V"}, headers={"X-CSRF-Token": csrf[:-1] + "x"})
    is_problem(wrong, 403, "csrf_failed")
    is_problem(api.post("/api/places", json=body), 403, "csrf_failed")
    assert not api.app.state.rpc.domain_calls()
    ok = api.patch("/api/me", json={"name": "Véro"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["name"] == "Véro"
    # safe methods need none; a bearer token or no session needs none
    assert api.get("/api/me").status_code == 200
    token = bearer(api)
    by_token = fresh(api).patch(
        "/api/me", json={"name": "V"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert by_token.status_code == 200


def test_a_form_posted_with_the_session_carries_the_token_in_a_field():
    from .fakes import form_body, site_fake
    from .test_pages import BOOKING_FORM

    fake = site_fake()
    api, events, _ = accounts_client(fake)
    csrf = confirmed(api, events)
    refused = api.post("/reservations", follow_redirects=False, **form_body(**BOOKING_FORM))
    is_problem(refused, 403, "csrf_failed")
    assert not [c for c in fake.domain_calls() if c.method == "create_booking"]
    form = form_body(**BOOKING_FORM, csrf_token=csrf)
    assert api.post("/reservations", follow_redirects=False, **form).status_code == 303
    [call] = [c for c in fake.domain_calls() if c.method == "create_booking"]
    assert caller_of(call)["email"] == EMAIL
    # without a session, the form needs no token (anonymous booking, as before)
    anonymous = fresh(api).post(
        "/reservations", follow_redirects=False, **form_body(**BOOKING_FORM)
    )
    assert anonymous.status_code == 303


def test_every_form_of_the_pages_carries_the_session_s_token_and_works():
    import re

    from .fakes import form_body, site_fake
    from .test_pages import BOOKING_FORM

    fake = site_fake()
    api, events, _ = accounts_client(fake)
    csrf = confirmed(api, events)
    pages = {"/places/p1": 3, "/unsubscribe?email=m%40x.org&token=t": 3, "/": 2}
    for path, forms in pages.items():
        html = api.get(path).text
        carried = re.findall(r'<input type="hidden" name="csrf_token" value="([^"]+)">', html)
        # the header's sign-out, the language switch, and the page's own form
        assert carried == [csrf] * forms, path
    booked = api.post(
        "/reservations", follow_redirects=False, **form_body(**BOOKING_FORM, csrf_token=csrf)
    )
    assert booked.status_code == 303
    assert "csrf_token" not in fresh(api).get("/places/p1").text  # no session, no token


def test_an_unknown_session_cookie_is_anonymous(api):
    api.app.state.rpc.script[("directory", "search_places")] = page_of()
    api.cookies.set(SESSION_COOKIE, "forged")
    assert api.get("/api/places").status_code == 200
    assert api.app.state.rpc.domain_calls()[0].context.get("caller") is None
    is_problem(api.get("/api/me"), 401, "authentication_required")


# --- sign-in by link --------------------------------------------------------------------------


def test_a_sign_in_link_only_for_a_confirmed_address_and_the_same_answer_for_all(api, events):
    sign_up(api, events, email="unconfirmed@example.org")
    confirmed(fresh(api), events)
    answers = [
        api.post("/api/auth/link", json={"email": email})
        for email in (EMAIL, "nobody@example.org", "unconfirmed@example.org")
    ]
    assert {r.status_code for r in answers} == {202}
    assert len({r.text for r in answers}) == 1
    assert [e["email"] for e in events.of("sign_in_link_requested")] == [EMAIL]


def test_a_sign_in_link_signs_in_once(api, events, db):
    confirmed(fresh(api), events)
    api.post("/api/auth/link", json={"email": EMAIL.upper()})
    [sent] = events.of("sign_in_link_requested")
    assert "/api/auth/link/" in sent["link"]
    token = token_of(sent["link"])
    response = api.get(f"/api/auth/link/{token}", follow_redirects=False)
    assert response.status_code == 303
    assert api.get("/api/me").json()["email"] == EMAIL
    is_problem(fresh(api).get(f"/api/auth/link/{token}"), 404, "invalid_link")
    is_problem(fresh(api).get("/api/auth/link", params={"token": token}), 404, "invalid_link")


def test_an_expired_sign_in_link_is_refused(api, events, db):
    confirmed(fresh(api), events)
    api.post("/api/auth/link", json={"email": EMAIL})
    token = token_of(events.of("sign_in_link_requested")[0]["link"])
    db.links.update_many({}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}})
    refused = api.get("/api/auth/link", params={"token": token})
    assert is_problem(refused, 404)["code"] == "invalid_link"
    assert SESSION_COOKIE not in refused.cookies


def test_a_confirmation_link_is_no_sign_in_link(api, events):
    link = sign_up(api, events)["link"]
    refused = api.get(f"/api/auth/link/{token_of(link)}")
    assert is_problem(refused, 404)["code"] == "invalid_link"
    # and, refused there, it still confirms the address where it belongs
    confirming = api.get(
        "/api/auth/confirm", params={"token": token_of(link)}, follow_redirects=False
    )
    assert confirming.status_code == 303


# --- password reset ---------------------------------------------------------------------------


def test_password_reset_sets_the_password_and_signs_out_every_other_session(api, events, db):
    confirmed(api, events)
    old_token = bearer(api)
    answers = [
        fresh(api).post("/api/auth/password-reset", json={"email": email})
        for email in (EMAIL, "nobody@example.org")
    ]
    assert [r.status_code for r in answers] == [202, 202] and answers[0].text == answers[1].text
    [sent] = events.of("password_reset_requested")
    token = token_of(sent["link"])
    browser = fresh(api)
    response = browser.post(
        "/api/auth/password", json={"token": token, "password": "nouveau mdp 2"}
    )
    assert response.status_code == 200
    assert browser.get("/api/me").status_code == 200  # this browser is signed in
    is_problem(api.get("/api/me"), 401)  # the other session is gone
    is_problem(fresh(api).get("/api/me", headers={"Authorization": f"Bearer {old_token}"}), 401)
    is_problem(api.post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD}), 401)
    assert bearer(api, password="nouveau mdp 2")
    again = fresh(api).post("/api/auth/password", json={"token": token, "password": "x" * 10})
    is_problem(again, 404, "invalid_link")


# --- sign-out ---------------------------------------------------------------------------------


def test_sign_out_ends_this_session_only(api, events, db):
    csrf = confirmed(api, events)
    other = fresh(api)
    other.post("/api/auth/session", json={"email": EMAIL, "password": PASSWORD})
    assert api.post("/api/auth/signout", headers={"X-CSRF-Token": csrf}).status_code == 204
    is_problem(api.get("/api/me"), 401)
    assert other.get("/api/me").status_code == 200
    assert db.sessions.count_documents({}) == 1


def test_sign_out_with_a_bearer_token_revokes_it(api, events):
    confirmed(fresh(api), events)
    headers = {"Authorization": f"Bearer {bearer(api)}"}
    assert fresh(api).post("/api/auth/signout", headers=headers).status_code == 204
    is_problem(fresh(api).get("/api/me", headers=headers), 401, "invalid_token")


def test_sign_out_all_ends_every_session_and_token(api, events, db):
    csrf = confirmed(api, events)
    other = fresh(api)
    other.post("/api/auth/session", json={"email": EMAIL, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {bearer(api)}"}
    assert api.post("/api/auth/signout-all", headers={"X-CSRF-Token": csrf}).status_code == 204
    is_problem(other.get("/api/me"), 401)
    is_problem(fresh(api).get("/api/me", headers=headers), 401)
    assert db.sessions.count_documents({}) == db.api_tokens.count_documents({}) == 0
    is_problem(fresh(api).post("/api/auth/signout-all"), 401, "authentication_required")


# --- rate limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/token", {"email": EMAIL, "password": "wrong password"}),
        ("/api/auth/session", {"email": EMAIL, "password": "wrong password"}),
        ("/api/auth/signup", {"email": EMAIL, "password": PASSWORD, "name": "V"}),
        ("/api/auth/link", {"email": EMAIL}),
        ("/api/auth/password-reset", {"email": EMAIL}),
    ],
)
def test_rate_limited_per_address_with_retry_after_the_same_for_known_and_unknown(
    path, body, monkeypatch
):
    # the clock held mid-window: Retry-After counts down each second, and CI once saw the
    # two addresses' answers a second apart (891 and 892 s) on the real clock
    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_000.0 + 7 * 60)
    api, events, _ = accounts_client()
    confirmed(fresh(api), events)
    api.app.state.settings.rate_limit_per_address = 2
    api.app.state.db.rate_limits.delete_many({})  # the counts of confirmed()'s sign-up
    limited = {}
    for email in (EMAIL, "nobody@example.org"):
        answers = [api.post(path, json={**body, "email": email}) for _ in range(3)]
        assert answers[1].status_code != 429
        limited[email] = answers[2]
    for response in limited.values():
        problem = is_problem(response, 429, "too_many_requests")
        assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
        assert problem["retry_after"] == int(response.headers["Retry-After"])
    known, unknown = limited.values()
    assert known.json() == unknown.json()
    # another address from the same IP is not limited by these
    other = {**body, "email": "someone.else@example.org"}
    assert api.post(path, json=other).status_code != 429


def test_rate_limited_per_ip_across_addresses(monkeypatch):
    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_000.0 + 7 * 60)  # mid-window
    api, _, db = accounts_client(rate_limit_per_address=100, rate_limit_per_ip=3)
    answers = [
        api.post("/api/auth/link", json={"email": f"a{i}@example.org"}).status_code
        for i in range(4)
    ]
    assert answers == [202, 202, 202, 429]
    # the counts keep no address: digests only, with an expiry
    stored = json.dumps(list(db.rate_limits.find()), default=str)
    assert "example.org" not in stored and "expires_at" in stored


def test_a_new_window_starts_again(monkeypatch):
    api, _, _ = accounts_client(rate_limit_per_address=1, rate_limit_window_seconds=60)
    clock = [(time.time() // 60) * 60 + 20]  # 20 s into a 60 s window (mongomock applies TTLs)
    monkeypatch.setattr(ratelimit, "now", lambda: clock[0])
    assert api.post("/api/auth/link", json={"email": EMAIL}).status_code == 202
    response = api.post("/api/auth/link", json={"email": EMAIL})
    assert response.status_code == 429 and response.headers["Retry-After"] == "40"
    clock[0] += 40
    assert api.post("/api/auth/link", json={"email": EMAIL}).status_code == 202


# --- the caller, passed to the services -------------------------------------------------------


def caller_of(call) -> dict | None:
    raw = (call.context or {}).get("caller")
    return json.loads(raw) if raw else None


def test_the_services_receive_the_caller_in_the_rpc_context(api, events, db):
    fake: FakeRpc = api.app.state.rpc
    fake.script[("directory", "search_places")] = page_of()
    api.get("/api/places")
    assert caller_of(fake.domain_calls()[-1]) is None  # anonymous: no caller header
    confirmed(api, events)
    db.members.update_one(
        {"email": EMAIL}, {"$set": {"roles": ["coordinator"], "manages": ["p1", "p2"]}}
    )
    # Her profile says who she is, but she has not agreed to be counted: not carried.
    db.members.update_one({"email": EMAIL}, {"$set": {"audience": "retiree", "commune": "Riez"}})
    api.get("/api/places")
    caller = caller_of(fake.domain_calls()[-1])
    member_id = db.members.find_one({"email": EMAIL})["_id"]
    assert caller == {
        "member_id": member_id,
        "email": EMAIL,
        "name": "Véronique",  # the booking service's default name for her bookings
        "roles": ["coordinator"],
        "manages": ["p1", "p2"],  # the places whose manager she is
        "language": "fr",
        "operator": False,
        "audience": None,  # for the funders' figures: only with her consent
        "commune": None,
    }
    assert fake.domain_calls()[-1].context["correlation_id"]
    db.members.update_one({"email": EMAIL}, {"$set": {"consent_statistics": True}})
    api.get("/api/places")
    counted = caller_of(fake.domain_calls()[-1])
    assert (counted["audience"], counted["commune"]) == ("retiree", "Riez")
    fresh(api).get("/api/places", headers={"Authorization": f"Bearer {bearer(api)}"})
    assert caller_of(fake.domain_calls()[-1])["member_id"] == member_id


def test_the_operator_token_is_a_territory_admin_without_a_member():
    api, _, _ = accounts_client(admin_token="op-secret")
    api.app.state.rpc.script[("directory", "search_places")] = page_of()
    assert api.get("/api/places", headers={"Authorization": "Bearer op-secret"}).status_code == 200
    caller = caller_of(api.app.state.rpc.domain_calls()[-1])
    assert caller["roles"] == ["admin"] and caller["operator"] is True
    assert caller["member_id"] is None
    is_problem(
        api.get("/api/me", headers={"Authorization": "Bearer op-secret"}),
        401,
        "authentication_required",
    )


def test_the_caller_reads_back_from_the_context():
    from contracts.identity import ANONYMOUS, Caller, TerritoryRole

    caller = Caller(member_id="m1", email=EMAIL, roles=(TerritoryRole.admin,), language="en")
    assert Caller.from_context({"caller": caller.to_context()}) == caller
    assert Caller.from_context({}) is ANONYMOUS and ANONYMOUS.anonymous
    assert Caller.from_context({"caller": "{not json"}) is ANONYMOUS
    assert caller.has_role(TerritoryRole.admin) and not caller.anonymous


def test_expired_links_sessions_and_tokens_are_refused_before_the_ttl_sweep(monkeypatch):
    # The TTL monitor runs about once a minute: reads check expires_at themselves. (No TTL
    # index here: mongomock would apply it at once.)
    from gateway.accounts.store import Accounts

    monkeypatch.setattr(Accounts, "ensure_indexes", lambda self: None)
    api, events, db = accounts_client()
    csrf = confirmed(api, events)
    token = bearer(api)
    api.post("/api/auth/link", json={"email": EMAIL}, headers={"X-CSRF-Token": csrf})
    link = token_of(events.of("sign_in_link_requested")[0]["link"])
    past = {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    for collection in (db.links, db.sessions, db.api_tokens):
        collection.update_many({}, past)
    assert is_problem(api.get("/api/me"), 401)["code"] == "authentication_required"
    by_token = fresh(api).get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert is_problem(by_token, 401)["code"] == "invalid_token"
    by_link = fresh(api).get(f"/api/auth/link/{link}")
    assert is_problem(by_link, 404)["code"] == "invalid_link"
