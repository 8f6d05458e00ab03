"""The emails page (/administration/courriels, web_pages/deliveries.py): the delivery log and
the suspended addresses, for territory admins only, without JavaScript (GET search, POST then
303 to lift), in French and English."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from gateway.rpc_client import ServiceUnavailable

from .fakes import accounts_client, member, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PATH = "/administration/courriels"
LOG = [
    {
        "event_id": "ev-1",
        "kind": "booking_confirmed",
        "to": "Marceline <m@example.org>",
        "address": "m@example.org",
        "status": "sent",
        "attempts": 1,
        "created_at": "2026-11-26T06:00:00+00:00",
        "sent_at": "2026-11-26T06:00:01+00:00",
    },
    {
        "event_id": "ev-0",
        "kind": "booking_confirmed",
        "to": "anon:abc",
        "address": "anon:abc",
        "status": "sent",
        "attempts": 1,
        "created_at": "2026-01-26T06:00:00+00:00",
        "anonymised_at": "2026-07-28T06:00:00+00:00",
    },
]
SUSPENDED = [
    {
        "email": "nobody@refused.example",
        "since": "2026-11-26T05:00:00+00:00",
        "reason": "SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable",
        "delivery_id": "ev-2:booking_confirmed:nobody@refused.example",
    }
]
LIFTED = {"email": "nobody@refused.example", "lifted": True, "lifted_at": "2026-11-26T07:00Z"}


@pytest.fixture
def territory():
    fake = site_fake(
        **{
            "notifications.delivery_log": LOG,
            "notifications.suspensions": SUSPENDED,
            "notifications.lift_suspension": LIFTED,
        }
    )
    api, _, db = accounts_client(fake)
    people = {
        "thierry": member(api, "thierry@example.org", "Thierry", browser=True),
        "coordinator": member(
            api, "colette@example.org", "Colette", roles=("coordinator",), browser=True
        ),
        "admin": member(api, "ada@example.org", "Ada", roles=("admin",), browser=True),
    }
    return api, db, fake, people


def notification_calls(fake):
    return [c for c in fake.domain_calls() if c.service == "notifications"]


def test_no_one_is_sent_to_sign_in_and_others_get_a_403_page(territory):
    api, db, fake, people = territory
    response = api.get(PATH, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suite=/administration/courriels"
    for who in ("thierry", "coordinator"):
        page = people[who].client.get(PATH)
        assert page.status_code == 403 and "nobody@refused.example" not in page.text
        body = {"csrf_token": people[who].csrf, "email": "nobody@refused.example"}
        posted = people[who].client.post(
            PATH + "/lever", content=urlencode(body).encode(), headers=FORM
        )
        assert posted.status_code == 403
        assert '<a href="/administration/courriels"' not in people[who].client.get("/").text
    assert notification_calls(fake) == []


def test_an_admin_searches_the_log_and_sees_the_suspended_addresses(territory):
    api, db, fake, people = territory
    admin = people["admin"]
    assert '<a href="/administration/courriels"' in admin.client.get("/").text
    page = admin.client.get(PATH, params={"email": "m@example.org", "status": "sent"})
    assert page.status_code == 200
    html = page.text
    assert "<h1>Courriels envoyés</h1>" in html
    assert "m@example.org" in html and "ev-1" in html and "envoyé" in html
    assert "(anonymisé)" in html and "anon:abc" not in html
    assert "nobody@refused.example" in html and "550 5.1.1" in html
    assert "Lever la suspension" in html
    log_call = next(c for c in notification_calls(fake) if c.method == "delivery_log")
    assert log_call.kwargs == {
        "email": "m@example.org",
        "event_id": None,
        "status": "sent",
        "limit": 100,
    }
    assert len(page.content) < 60_000


def test_an_admin_lifts_a_suspension_through_the_form_with_an_audit_line(territory):
    api, db, fake, people = territory
    admin = people["admin"]
    body = {"csrf_token": admin.csrf, "email": "nobody@refused.example"}
    posted = admin.client.post(
        PATH + "/lever", content=urlencode(body).encode(), headers=FORM, follow_redirects=False
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == PATH + "?email=nobody%40refused.example"
    lift = next(c for c in notification_calls(fake) if c.method == "lift_suspension")
    assert lift.args[0]["email"] == "nobody@refused.example" and lift.args[0]["idempotency_key"]
    [line] = db.audit.find({"action": "suspension_lifted"})
    assert line["details"]["email"] == "nobody@refused.example"
    followed = admin.client.get(posted.headers["location"])
    assert "La suspension est levée" in followed.text


def test_a_lift_without_its_csrf_token_is_refused(territory):
    api, db, fake, people = territory
    body = {"email": "nobody@refused.example"}
    posted = people["admin"].client.post(
        PATH + "/lever", content=urlencode(body).encode(), headers=FORM
    )
    assert posted.status_code == 403
    assert notification_calls(fake) == []


def test_in_english_and_when_notifications_is_away(territory):
    api, db, fake, people = territory
    admin = people["admin"]
    english = admin.client.get(PATH, headers={"Accept-Language": "en"}, cookies={"lang": "en"})
    assert english.status_code == 200
    fake.script[("notifications", "delivery_log")] = ServiceUnavailable("notifications", "down")
    away = admin.client.get(PATH)
    assert away.status_code == 503 and "momentanément indisponible" in away.text
