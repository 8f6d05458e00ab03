"""Calendar feeds at the edge (fakes): the member's private feed behind its secret URL, and
a resource's public busy feed; both parsed back with ``icalendar``."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from contracts.identity import CONTEXT_KEY, Caller
from gateway.accounts.secrets import digest
from gateway.calendars import full_periods
from services.notifications.ics import booking_invitation
from tests.samples import BOOKING_CONFIRMED

from .fakes import (
    PLACE_OUT,
    RESOURCE_OUT,
    FakeRpc,
    accounts_client,
    is_problem,
    member,
    site_fake,
)
from .test_account_pages import fresh, main_text, post

ICS = "text/calendar; charset=utf-8"
SOON = (datetime.now(UTC) + timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)


def booking(booking_id: str, status: str = "confirmed", *, hours=(0, 1), seats: int = 1) -> dict:
    """A booking of ``RESOURCE_OUT`` as booking answers it, ``hours`` after SOON."""
    return {
        "id": booking_id,
        "resource_id": "r1",
        "start": (SOON + timedelta(hours=hours[0])).isoformat(),
        "end": (SOON + timedelta(hours=hours[1])).isoformat(),
        "seats": seats,
        "name": None,
        "email": None,
        "phone": None,
        "status": status,
    }


def fake(bookings: list[dict]) -> FakeRpc:
    return FakeRpc(
        script={
            ("booking", "my_bookings"): bookings,
            ("booking", "list_bookings"): bookings,
            ("booking", "get_resource"): RESOURCE_OUT,
            ("directory", "get_place"): PLACE_OUT,
        }
    )


def events_of(response) -> list:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ICS
    calendar = Calendar.from_ical(response.content)
    return [part for part in calendar.walk() if part.name == "VEVENT"], calendar


@pytest.fixture
def world():
    """(the app's client, a signed-in browser of Thierry's, the fake, the database)."""
    rpc = fake([booking("b1"), booking("b2", "cancelled", hours=(24, 26))])
    api, _events, db = accounts_client(rpc)
    thierry = member(api, browser=True)
    return api, thierry, rpc, db


def subscribe(who) -> str:
    made = who.client.post("/api/me/calendar-token", headers={"X-CSRF-Token": who.csrf})
    assert made.status_code == 201, made.text
    return made.json()["url"]


def path_of(url: str) -> str:
    """The feed's path and query, for the test client (the URL is the public one)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# --- the token ----------------------------------------------------------------------------------


def test_the_feed_link_needs_a_signed_in_member_and_csrf(world):
    api, thierry, rpc, db = world
    nobody = api.post("/api/me/calendar-token")
    assert is_problem(nobody, 401)["code"] == "authentication_required"
    forged = thierry.client.post("/api/me/calendar-token")  # a session without its CSRF token
    assert is_problem(forged, 403)["code"] == "csrf_failed"
    forged = thierry.client.delete("/api/me/calendar-token")
    assert is_problem(forged, 403)["code"] == "csrf_failed"
    assert db.calendar_tokens.count_documents({}) == 0


def test_the_link_is_answered_once_and_only_its_digest_is_kept(world):
    api, thierry, rpc, db = world
    made = thierry.client.post("/api/me/calendar-token", headers={"X-CSRF-Token": thierry.csrf})
    assert made.status_code == 201
    body = made.json()
    assert body["url"].startswith("http") and "/api/me/calendar.ics?token=mcal_" in body["url"]
    token = body["url"].split("token=", 1)[1]
    assert body["webcal_url"] == "webcal://" + body["url"].split("://", 1)[1]
    [stored] = list(db.calendar_tokens.find())
    assert stored["_id"] == digest(token) and stored["member_id"] == thierry.id
    assert token not in json.dumps(stored, default=str)
    assert token not in thierry.client.get("/api/me").text  # said once, never again


def test_a_new_link_replaces_the_old_one_and_revoking_ends_it(world):
    api, thierry, rpc, db = world
    first = path_of(subscribe(thierry))
    assert api.get(first).status_code == 200
    second = path_of(subscribe(thierry))
    assert is_problem(api.get(first), 404)["code"] == "route_not_found"
    assert api.get(second).status_code == 200
    assert db.calendar_tokens.count_documents({}) == 1
    gone = thierry.client.delete("/api/me/calendar-token", headers={"X-CSRF-Token": thierry.csrf})
    assert gone.status_code == 204
    assert is_problem(api.get(second), 404)["code"] == "route_not_found"
    again = thierry.client.delete("/api/me/calendar-token", headers={"X-CSRF-Token": thierry.csrf})
    assert again.status_code == 204  # idempotent


@pytest.mark.parametrize("token", ["", "mcal_nope", "mlg_" + "x" * 40])
def test_a_wrong_token_is_a_404_not_a_401(world, token):
    api, thierry, rpc, db = world
    subscribe(thierry)
    response = api.get("/api/me/calendar.ics", params={"token": token})
    assert is_problem(response, 404)["code"] == "route_not_found"
    assert rpc.domain_calls() == []  # no service asked for no one


def test_an_api_token_is_no_feed_token(world):
    api, thierry, rpc, db = world
    bearer = member(api, "veronique@example.org", "Véronique")
    secret = bearer.client.headers["Authorization"].split()[1]
    response = api.get("/api/me/calendar.ics", params={"token": secret})
    assert is_problem(response, 404)["code"] == "route_not_found"


def test_signing_out_everywhere_ends_the_feed_too(world):
    api, thierry, rpc, db = world
    feed = path_of(subscribe(thierry))
    ended = thierry.client.post("/api/auth/signout-all", headers={"X-CSRF-Token": thierry.csrf})
    assert ended.status_code == 204
    assert is_problem(api.get(feed), 404)["code"] == "route_not_found"


def test_the_export_says_a_feed_exists_without_its_token_and_erasure_deletes_it(world):
    api, thierry, rpc, db = world
    rpc.script.update({(s, "export_member"): {"service": s} for s in ("booking", "directory")})
    rpc.script.update({(s, "export_member"): {"service": s} for s in ("clubs", "notifications")})
    url = subscribe(thierry)
    token = url.split("token=", 1)[1]
    exported = thierry.client.get("/api/me/export")
    assert exported.status_code == 200
    feed = exported.json()["gateway"]["calendar_feed"]
    assert set(feed) == {"created_at"} and feed["created_at"]
    assert token not in exported.text and digest(token) not in exported.text
    erased = thierry.client.delete("/api/me", headers={"X-CSRF-Token": thierry.csrf})
    assert erased.status_code == 204
    assert db.calendar_tokens.count_documents({}) == 0
    assert is_problem(api.get(path_of(url)), 404)["code"] == "route_not_found"


# --- the member's feed --------------------------------------------------------------------------


def test_the_feed_lists_the_member_s_bookings_as_their_invitations_do(world):
    api, thierry, rpc, db = world
    response = api.get(path_of(subscribe(thierry)))  # no cookie, no header: the URL alone
    assert response.headers["cache-control"].startswith("private")
    events, calendar = events_of(response)
    assert calendar["method"] == "PUBLISH"
    assert str(calendar["x-wr-calname"]) == "Maillage – mes réservations"
    confirmed, cancelled = sorted(events, key=lambda e: e["dtstart"].dt)
    # The invitation's rule: an app holding the email's .ics and the feed shows one event.
    invitation = Calendar.from_ical(
        booking_invitation({**BOOKING_CONFIRMED, "booking_id": "b1"}, "x@y.z")
    )
    [invited] = [part for part in invitation.walk() if part.name == "VEVENT"]
    assert confirmed["uid"] == invited["uid"] == "booking-b1@maillage"
    assert cancelled["uid"] == "booking-b2@maillage"
    assert str(confirmed["summary"]) == "Open space – Tiers-lieu de Riez"
    assert str(cancelled["summary"]) == "Annulé : Open space – Tiers-lieu de Riez"
    assert (confirmed["status"], cancelled["status"]) == ("CONFIRMED", "CANCELLED")
    assert confirmed["dtstart"].dt == SOON and confirmed["dtstart"].dt.utcoffset() == timedelta(0)
    assert confirmed["dtend"].dt == SOON + timedelta(hours=1)
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content  # UTC, no TZID
    assert str(confirmed["location"]) == "Tiers-lieu de Riez, Riez"
    # booking was asked as Thierry, with his rights, not anonymously
    [asked] = [c for c in rpc.calls if c.method == "my_bookings"]
    assert Caller.from_context(asked.context).member_id == thierry.id


def test_the_feed_speaks_the_member_s_language(world):
    api, thierry, rpc, db = world
    db.members.update_one({"_id": thierry.id}, {"$set": {"language": "en"}})
    events, calendar = events_of(api.get(path_of(subscribe(thierry))))
    assert str(calendar["x-wr-calname"]) == "Maillage – my bookings"
    summaries = sorted(str(e["summary"]) for e in events)
    assert summaries == [
        "Cancelled: Open space – Tiers-lieu de Riez",
        "Open space – Tiers-lieu de Riez",
    ]


def test_the_feed_still_lists_a_booking_whose_resource_cannot_be_said(world):
    api, thierry, rpc, db = world
    rpc.down.add("directory")
    events, _ = events_of(api.get(path_of(subscribe(thierry))))
    assert {str(e["summary"]).split(": ")[-1] for e in events} == {"Open space"}
    assert all("location" not in e for e in events)


def test_a_feed_of_booking_away_is_a_503(world):
    api, thierry, rpc, db = world
    url = path_of(subscribe(thierry))
    rpc.down.add("booking")
    refused = is_problem(api.get(url), 503)
    assert refused["code"] == "service_unavailable" and refused["service"] == "booking"


# --- the busy feed ------------------------------------------------------------------------------


def test_a_pool_is_busy_only_while_every_seat_is_taken():
    """RESOURCE_OUT has 3 seats: 2 then 1 more for an hour makes it full for that hour."""
    since, until = SOON - timedelta(days=1), SOON + timedelta(weeks=8)
    bookings = [
        booking("a", hours=(0, 4), seats=2),
        booking("b", hours=(1, 2)),  # full from 1 to 2
        booking("c", hours=(2, 3)),  # ends meet: full from 2 to 3 too, one period
        booking("d", hours=(3, 5)),  # 2 seats then 1 from 4: never full
        booking("e", "cancelled", hours=(4, 6), seats=3),  # cancelled: not counted
        booking("f", "held", hours=(6, 7), seats=3),  # held, not yet confirmed
    ]
    assert full_periods(bookings, 3, since, until) == [
        (SOON + timedelta(hours=1), SOON + timedelta(hours=4)),
    ]
    assert full_periods(bookings, 4, since, until) == []
    assert full_periods([booking("g", seats=3, hours=(0, 1))], 3, since, until) == [
        (SOON, SOON + timedelta(hours=1))
    ]


def test_busy_periods_are_clipped_to_the_window():
    since, until = SOON + timedelta(minutes=30), SOON + timedelta(hours=10)
    bookings = [
        booking("a", hours=(0, 1)),
        booking("b", hours=(9, 12)),
        booking("c", hours=(10, 11)),
    ]
    assert full_periods(bookings, 1, since, until) == [
        (since, SOON + timedelta(hours=1)),
        (SOON + timedelta(hours=9), until),
    ]


def test_the_busy_feed_is_public_says_occupe_and_names_no_one():
    rpc = fake(
        [
            {**booking("b1", hours=(0, 2), seats=3), "name": "Marceline", "email": "m@e.org"},
            booking("b2", hours=(24, 25), seats=1),  # one seat of three: not busy
            booking("b3", hours=(24 * 7 * 9, 24 * 7 * 9 + 1), seats=3),  # past 8 weeks
        ]
    )
    api, _, _ = accounts_client(rpc)
    response = api.get("/api/resources/r1/busy.ics")
    events, calendar = events_of(response)
    assert response.headers["cache-control"].startswith("public")
    assert [(e["dtstart"].dt, e["dtend"].dt) for e in events] == [(SOON, SOON + timedelta(hours=2))]
    [busy] = events
    assert str(busy["summary"]) == "Occupé" and busy["transp"] == "OPAQUE"
    assert str(busy["location"]) == "Tiers-lieu de Riez, Riez"
    assert str(calendar["x-wr-calname"]) == "Occupé – Open space – Tiers-lieu de Riez"
    assert b"Marceline" not in response.content and b"m@e.org" not in response.content
    assert b"b1" not in response.content  # no booking id either
    asked = {c.method: c for c in rpc.domain_calls()}
    assert asked["list_bookings"].args == ("r1",)
    assert CONTEXT_KEY not in asked["list_bookings"].context  # asked as no one


def test_the_busy_feed_in_english():
    rpc = fake([booking("b1", seats=3)])
    api, _, _ = accounts_client(rpc)
    response = api.get("/api/resources/r1/busy.ics", headers={"Accept-Language": "en"})
    [busy], calendar = events_of(response)
    assert str(busy["summary"]) == "Busy"
    assert str(calendar["x-wr-calname"]).startswith("Busy – ")


def test_the_busy_feed_of_an_unknown_resource_is_booking_s_404():
    from contracts.errors import NotFound

    from .fakes import remote

    rpc = fake([])
    rpc.script[("booking", "get_resource")] = remote(
        "booking", NotFound("no r9", what="resource", id="r9")
    )
    api, _, _ = accounts_client(rpc)
    refused = is_problem(api.get("/api/resources/r9/busy.ics"), 404)
    assert refused["code"] == "not_found" and refused["id"] == "r9"


# --- « Mon agenda » on the profile ------------------------------------------------------------

LINK_FIELD = re.compile(r'<textarea id="agenda-lien" readonly[^>]*>([^<]+)</textarea>')


@pytest.fixture
def browser():
    """(Thierry's browser on the pages, his CSRF token, the database, the fake)."""
    rpc = site_fake(**{"booking.my_bookings": [booking("b1")]})
    api, _events, db = accounts_client(rpc)
    thierry = member(api, browser=True)
    return thierry.client, thierry.csrf, db, rpc


def test_the_profile_makes_a_link_shown_once_that_the_feed_answers(browser):
    web, csrf, db, rpc = browser
    before = main_text(web.get("/profil").text)
    assert "Mon agenda" in before and "Créer le lien de mon agenda" in before
    made = post(web, "/profil/agenda", csrf_token=csrf)
    assert made.status_code == 200  # the page itself: the secret in no URL, no cookie
    assert made.headers["cache-control"] == "no-store"
    url = unescape(LINK_FIELD.search(made.text).group(1))
    assert "Copiez-le maintenant" in main_text(made.text)
    assert f'href="webcal://{url.split("://", 1)[1]}"' in unescape(made.text)
    assert "Google Agenda" in made.text and "S'abonner" in unescape(made.text)
    events, _ = events_of(fresh(web).get(path_of(url)))  # the app: no cookie
    assert [str(e["uid"]) for e in events] == ["booking-b1@maillage"]
    again = web.get("/profil").text
    assert LINK_FIELD.search(again) is None and url not in unescape(again)  # never again
    assert "existe depuis le" in main_text(again) and "Faire un nouveau lien" in again


def test_the_profile_revokes_the_link(browser):
    web, csrf, db, rpc = browser
    url = unescape(LINK_FIELD.search(post(web, "/profil/agenda", csrf_token=csrf).text).group(1))
    gone = post(web, "/profil/agenda/supprimer", csrf_token=csrf)
    assert gone.status_code == 303 and gone.headers["location"] == "/profil#titre-agenda"
    page = main_text(web.get("/profil").text)
    assert "ne reçoit plus vos réservations" in page and "Créer le lien de mon agenda" in page
    assert is_problem(fresh(web).get(path_of(url)), 404)["code"] == "route_not_found"


def test_the_agenda_forms_need_csrf_and_a_member(browser):
    web, csrf, db, rpc = browser
    post(web, "/profil/agenda", csrf_token=csrf)
    for path in ("/profil/agenda", "/profil/agenda/supprimer"):
        forged = post(web, path, csrf_token="not-it")
        assert forged.status_code == 403
        assert db.calendar_tokens.count_documents({}) == 1
        anonymous = post(fresh(web), path)
        assert anonymous.status_code in (303, 403)
        if anonymous.status_code == 303:
            assert anonymous.headers["location"].startswith("/connexion")


def test_mon_agenda_in_english(browser):
    web, csrf, db, rpc = browser
    db.members.update_one({}, {"$set": {"language": "en"}})
    assert "My calendar" in web.get("/profil").text
    made = main_text(post(web, "/profil/agenda", csrf_token=csrf).text)
    assert "Copy it now" in made and "Subscribe" in made
