"""Accounts against the real stack: sign-up, refused while unconfirmed, confirmation by the
emailed link, a bearer token, /api/me; the services receive the caller."""

from __future__ import annotations

import uuid

import httpx
import pytest

from .helpers import confirmation_token, is_problem, wait_for

pytestmark = pytest.mark.e2e


def test_sign_up_confirm_sign_in_and_me(verdon, api):
    address = f"veronique.{uuid.uuid4().hex[:8]}@example.org"
    password = "un mot de passe sûr"
    signup = {"email": address.upper(), "password": password, "name": "Véronique"}
    response = api.post("/api/auth/signup", json=signup)
    assert response.status_code == 202 and response.json() == {"status": "accepted"}
    unknown = api.post("/api/auth/link", json={"email": f"nobody.{address}"})
    assert unknown.status_code == 202 and unknown.json() == response.json()

    credentials = {"email": address, "password": password}
    # The sign-up's work runs after its answer (its timing tells nothing): 403 once done.
    refused = wait_for(
        lambda: (r := api.post("/api/auth/token", json=credentials)).status_code == 403 and r
    )
    assert refused.json()["code"] == "email_not_confirmed"

    token = confirmation_token(verdon, address)
    with httpx.Client(base_url=verdon.url, timeout=30) as browser:
        confirmed = browser.get("/api/auth/confirm", params={"token": token})
        assert confirmed.status_code == 303 and confirmed.headers["location"] == "/"
        me = browser.get("/api/me").json()
        assert me["email"] == address and me["csrf_token"]
        is_problem(browser.patch("/api/me", json={"commune": "Riez"}), 403)
        patched = browser.patch(
            "/api/me", json={"commune": "Riez"}, headers={"X-CSRF-Token": me["csrf_token"]}
        )
        assert patched.status_code == 200 and patched.json()["commune"] == "Riez"
    is_problem(api.get("/api/auth/confirm", params={"token": token}), 404)  # single use

    issued = api.post("/api/auth/token", json=credentials)
    assert issued.status_code == 200, issued.text
    headers = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    me = api.get("/api/me", headers=headers)
    assert me.status_code == 200 and me.json()["email"] == address
    assert me.json()["commune"] == "Riez" and me.json()["consent_statistics"] is False
    # a route of a service, with the caller in its context: it still answers as before
    assert api.get("/api/places", headers=headers).status_code == 200
    assert api.post("/api/auth/signout", headers=headers).status_code == 204
    is_problem(api.get("/api/me", headers=headers), 401)
    is_problem(api.post("/api/auth/token", json={**credentials, "password": "wrong one!"}), 401)
