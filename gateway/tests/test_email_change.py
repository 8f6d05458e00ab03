"""Changing one's address (fakes): POST /api/me/email asks (a link to the new address, a
notice to the current one, nothing at all when the new one is taken), GET /api/auth/email
makes the change (if the address is still free), signs out every other session and token
and tells the services. And the sign-in link that keeps the page to come back to."""

from __future__ import annotations

import pytest

from gateway.deps import SESSION_COOKIE

from .fakes import accounts_client, is_problem
from .test_auth import EMAIL, PASSWORD, bearer, confirmed, fresh, sign_up, token_of

NEW = "veronique.nouvelle@example.org"


@pytest.fixture
def setup():
    return accounts_client()


def ask(api, csrf: str, email: str = NEW, password: str | None = PASSWORD):
    body = {"email": email} if password is None else {"email": email, "password": password}
    return api.post("/api/me/email", json=body, headers={"X-CSRF-Token": csrf})


def follow(browser, link: str):
    return browser.get("/api/auth/email", params={"token": token_of(link)}, follow_redirects=False)


def test_asking_sends_a_link_to_the_new_address_and_a_notice_to_the_current_one(setup):
    api, events, db = setup
    csrf = confirmed(api, events)
    answer = ask(api, csrf, "Veronique.Nouvelle@Example.org")
    assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
    [asked] = events.of("email_change_requested")
    assert asked["email"] == NEW  # lower-case, as every address
    assert asked["previous_email"] == EMAIL
    assert asked["new_email_hint"] == "v•••@example.org"
    assert asked["name"] == "Véronique" and asked["language"] == "fr"
    assert asked["link"].startswith("http://127.0.0.1:8000/api/auth/email?token=")
    assert db.members.find_one({"email": EMAIL}) is not None  # nothing changed yet
    assert db.members.find_one({"email": NEW}) is None
    assert "new_email" in db.links.find_one({"purpose": "email"})  # kept server-side
    assert NEW not in asked["link"]  # and not in the link


def test_following_the_link_changes_the_address_and_signs_out_everything_else(setup):
    api, events, db = setup
    csrf = confirmed(api, events)
    token = bearer(api)
    other = fresh(api)
    assert other.post("/api/auth/session", json={"email": EMAIL, "password": PASSWORD}).is_success
    ask(api, csrf)
    link = events.of("email_change_requested")[-1]["link"]
    browser = fresh(api)
    landed = follow(browser, link)
    assert landed.status_code == 303 and landed.headers["location"] == "/profil"
    assert SESSION_COOKIE in landed.headers["set-cookie"]
    assert browser.get("/api/me").json()["email"] == NEW  # this browser is signed in
    for signed_out in (api, other):
        assert is_problem(signed_out.get("/api/me"), 401)
    bearer_answer = fresh(api).get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer_answer.status_code == 401
    [updated] = events.of("member_updated")
    assert updated["email"] == NEW and updated["name"] == "Véronique"
    assert updated["previous_email"] == EMAIL  # booking keeps the old address's bookings hers
    assert updated["member_id"] == db.members.find_one({"email": NEW})["_id"]
    old = fresh(api).post("/api/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert is_problem(old, 401, "invalid_credentials")
    new = fresh(api).post("/api/auth/token", json={"email": NEW, "password": PASSWORD})
    assert new.status_code == 200
    assert is_problem(follow(fresh(api), link), 404, "invalid_link")  # single use


def test_a_member_with_a_password_says_it_again(setup):
    api, events, db = setup
    csrf = confirmed(api, events)
    assert is_problem(ask(api, csrf, password=None), 403, "invalid_credentials")
    assert is_problem(ask(api, csrf, password="pas le bon"), 403, "invalid_credentials")
    assert events.of("email_change_requested") == []
    assert api.get("/api/me").status_code == 200  # a wrong password does not sign out


def test_a_member_without_a_password_needs_none(setup):
    api, events, db = setup
    csrf = confirmed(api, events)
    db.members.update_one({"email": EMAIL}, {"$set": {"password_hash": None}})
    assert ask(api, csrf, password=None).status_code == 202
    assert [e["email"] for e in events.of("email_change_requested")] == [NEW]


def test_anonymous_is_asked_to_sign_in(setup):
    api, events, _ = setup
    answer = api.post("/api/me/email", json={"email": NEW, "password": PASSWORD})
    assert is_problem(answer, 401, "authentication_required")
    assert events.of("email_change_requested") == []


@pytest.mark.parametrize("pending", [False, True])
def test_an_address_taken_answers_the_same_and_sends_nothing(setup, pending):
    api, events, db = setup
    sign_up(api, events, email=NEW, name="Quelqu'un")
    if not pending:
        db.members.update_one({"email": NEW}, {"$set": {"confirmed": True}})
    csrf = confirmed(api, events)
    answer = ask(api, csrf)
    assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
    assert events.of("email_change_requested") == []  # no link, no notice: nothing told


def test_an_address_taken_meanwhile_makes_the_link_invalid(setup):
    api, events, db = setup
    csrf = confirmed(api, events)
    ask(api, csrf)
    link = events.of("email_change_requested")[-1]["link"]
    sign_up(fresh(api), events, email=NEW, name="Quelqu'un")  # someone signs up with it
    assert is_problem(follow(fresh(api), link), 404, "invalid_link")
    assert db.members.find_one({"name": "Véronique"})["email"] == EMAIL
    assert events.of("member_updated") == []
    assert api.get("/api/me").status_code == 200  # nothing signed out


def test_signing_out_everywhere_voids_a_pending_change(setup):
    api, events, db = setup
    csrf = confirmed(api, events)
    ask(api, csrf)
    link = events.of("email_change_requested")[-1]["link"]
    api.post("/api/auth/signout-all", headers={"X-CSRF-Token": csrf})
    assert is_problem(follow(fresh(api), link), 404, "invalid_link")
    assert db.members.find_one({"name": "Véronique"})["email"] == EMAIL


def test_the_change_is_rate_limited_as_links_are():
    api, events, db = accounts_client(rate_limit_per_address=2)
    csrf = confirmed(api, events)
    # No password: only the link's limit counts (a password is also counted as a sign-in).
    db.members.update_one({"email": EMAIL}, {"$set": {"password_hash": None}})
    answers = [ask(api, csrf).status_code for _ in range(3)]
    assert answers == [202, 202, 429]
    assert len(events.of("email_change_requested")) == 2


def test_wrong_passwords_are_counted_as_sign_ins():
    api, events, _ = accounts_client(rate_limit_per_address=2)
    csrf = confirmed(api, events)
    answers = [ask(api, csrf, password="pas le bon").status_code for _ in range(3)]
    assert answers == [403, 403, 429]
    assert ask(api, csrf).status_code == 429  # even the right one, until the window ends


def test_a_bad_address_is_refused(setup):
    api, events, _ = setup
    csrf = confirmed(api, events)
    assert is_problem(ask(api, csrf, "pas-une-adresse"), 422)


# --- the sign-in link's way back -------------------------------------------------------------


def test_the_sign_in_link_leads_back_to_the_page_asked_for(setup):
    api, events, db = setup
    confirmed(fresh(api), events)
    answer = api.post("/api/auth/link", json={"email": EMAIL, "next": "/places/p1?x=1"})
    assert answer.status_code == 202
    link = events.of("sign_in_link_requested")[-1]["link"]
    assert "places" not in link  # kept with the link, not in it
    landed = fresh(api).get(link.replace("http://127.0.0.1:8000", ""), follow_redirects=False)
    assert landed.status_code == 303 and landed.headers["location"] == "/places/p1?x=1"


def test_a_sign_in_link_without_a_page_leads_home(setup):
    api, events, _ = setup
    confirmed(fresh(api), events)
    api.post("/api/auth/link", json={"email": EMAIL})
    link = events.of("sign_in_link_requested")[-1]["link"]
    landed = fresh(api).get(link.replace("http://127.0.0.1:8000", ""), follow_redirects=False)
    assert landed.headers["location"] == "/"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/a\nb", "x"]
)
def test_the_sign_in_link_never_leads_elsewhere(setup, target):
    api, events, _ = setup
    answer = api.post("/api/auth/link", json={"email": EMAIL, "next": target})
    assert is_problem(answer, 422, "validation_failed")
    assert events.of("sign_in_link_requested") == []
