"""The facilitator's desk at the gateway: the API routes (routers/desk.py) forward to the
booking service, which decides; the planning page (web_pages/desk.py) shows its bookings with
a form per action and posts them with CSRF and a key, then 303 back."""

from __future__ import annotations

import re
from html import unescape

import pytest

from contracts.booking import CheckInClosed, NotAwaitingApproval, ReasonRequired
from contracts.errors import Forbidden, ValidationFailed

from .fakes import BOOKING_OUT, FakeRpc, accounts_client, client, is_problem, remote, site_fake
from .test_account_pages import main_text, post, signed_in

WAITING = {**BOOKING_OUT, "id": "b2", "status": "awaiting_approval", "phone": "04 92 77 00 00"}
PLANNING = {
    "place_id": "p1",
    "timezone": "Europe/Paris",
    "start": "2030-05-01T22:00:00+00:00",
    "end": "2030-05-02T22:00:00+00:00",
    "days": 1,
    "resources": [],
    "bookings": [
        {**BOOKING_OUT, "phone": None, "resource_name": "Open space"},
        {
            **WAITING,
            "start": "2030-05-02T14:00:00+02:00",
            "end": "2030-05-02T15:00:00+02:00",
            "resource_name": "Salle",
        },
    ],
}


# --- the API --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "method", "args"),
    [
        ("/api/bookings/b1/approve", None, "approve_booking", ("b1", "k-1")),
        (
            "/api/bookings/b1/reject",
            {"reason": "Complet"},
            "reject_booking",
            ("b1", {"reason": "Complet"}, "k-1"),
        ),
        ("/api/bookings/b1/check-in", None, "check_in", ("b1", "k-1")),
        (
            "/api/bookings/b1/outcome",
            {"outcome": "no_show"},
            "record_outcome",
            ("b1", {"outcome": "no_show"}, "k-1"),
        ),
        (
            "/api/bookings/b1/cancel",
            {"reason": "Fermé"},
            "cancel_booking",
            ("b1", "k-1", {"reason": "Fermé"}),
        ),
        ("/api/bookings/b1/restore", None, "restore_booking", ("b1", "k-1")),
    ],
)
def test_each_desk_route_forwards_the_id_the_body_and_the_key(path, body, method, args):
    fake = FakeRpc(script={("booking", method): BOOKING_OUT})
    response = client(fake).post(path, json=body, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 200, response.text
    assert [(c.method, c.args) for c in fake.domain_calls()] == [(method, args)]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/bookings/b1/reject", {}),
        ("/api/bookings/b1/reject", {"reason": ""}),
        ("/api/bookings/b1/outcome", {"outcome": "maybe"}),
        ("/api/bookings/b1/cancel", {"reason": "x" * 501}),
    ],
)
def test_a_body_that_breaks_its_model_never_reaches_the_service(path, body):
    fake = FakeRpc()
    is_problem(client(fake).post(path, json=body), 422)
    assert fake.domain_calls() == []


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (Forbidden("no", what="booking", id="b1"), 403, "forbidden"),
        (NotAwaitingApproval("no", status="rejected"), 409, "booking_not_awaiting_approval"),
        (CheckInClosed("no", opens="a", closes="b"), 409, "check_in_closed"),
        (ReasonRequired("no", field="reason"), 422, "reason_required"),
    ],
)
def test_the_service_s_refusals_are_problems(error, status, code):
    fake = FakeRpc(script={("booking", "approve_booking"): remote("booking", error)})
    is_problem(client(fake).post("/api/bookings/b1/approve"), status, code)


def test_the_planning_forwards_the_day_and_filters_the_approvals_queue():
    fake = FakeRpc(script={("booking", "planning"): PLANNING})
    api = client(fake)
    whole = api.get("/api/places/p1/planning", params={"date": "2030-05-02", "days": 1})
    assert whole.status_code == 200, whole.text
    assert [b["id"] for b in whole.json()["bookings"]] == ["b1", "b2"]
    queue = api.get("/api/places/p1/planning", params={"status": "awaiting_approval"})
    assert [b["id"] for b in queue.json()["bookings"]] == ["b2"]
    assert [c.args for c in fake.domain_calls()] == [("p1", "2030-05-02", 1), ("p1", None, 1)]
    for bad in ({"days": 8}, {"days": 0}, {"date": "demain"}):
        is_problem(api.get("/api/places/p1/planning", params=bad), 422)
    assert len(fake.domain_calls()) == 2


# --- the planning page ------------------------------------------------------------------------
def desk_setup(**script):
    return accounts_client(site_fake(**{"booking.planning": PLANNING, **script}))


def test_the_planning_page_needs_a_member_and_shows_the_day_with_its_forms():
    web, events, _ = desk_setup()
    response = web.get("/places/p1/planning?date=2030-05-02", follow_redirects=False)
    assert response.status_code == 303
    assert (
        response.headers["location"] == "/connexion?suite=/places/p1/planning%3Fdate%3D2030-05-02"
    )
    csrf = signed_in(web, events)
    html = web.get("/places/p1/planning?date=2030-05-02").text
    text = main_text(html)
    assert "Planning · Tiers-lieu de Riez" in text and "jeudi 2 mai 2030" in text
    assert "9 h – 10 h Open space Marceline" in text and "04 92 77 00 00" in text
    assert "1 demande attend votre réponse." in text
    forms = re.findall(r'<form[^>]*action="/planning/action">.*?</form>', html, re.S)
    actions = sorted(re.search(r'name="action" value="(\w+)"', f).group(1) for f in forms)
    assert actions == ["approve", "cancel", "cancel", "reject"]  # days ahead: no check-in yet
    assert all(f'name="csrf_token" value="{csrf}"' in f for f in forms)


@pytest.mark.parametrize(
    ("fields", "method", "args"),
    [
        ({"action": "approve"}, "approve_booking", ("b2", "k" * 32)),
        (
            {"action": "reject", "reason": " Complet  ce jour "},
            "reject_booking",
            ("b2", {"reason": "Complet ce jour"}, "k" * 32),
        ),
        ({"action": "check_in"}, "check_in", ("b2", "k" * 32)),
        (
            {"action": "outcome", "outcome": "excused"},
            "record_outcome",
            ("b2", {"outcome": "excused"}, "k" * 32),
        ),
        (
            {"action": "cancel", "reason": "Fermé"},
            "cancel_booking",
            ("b2", "k" * 32, {"reason": "Fermé"}),
        ),
        ({"action": "restore"}, "restore_booking", ("b2", "k" * 32)),
    ],
)
def test_each_action_posts_to_the_service_then_back_to_the_planning(fields, method, args):
    web, events, _ = desk_setup(**{f"booking.{method}": WAITING})
    csrf = signed_in(web, events)
    common = {"csrf_token": csrf, "booking_id": "b2", "key": "k" * 32, "place_id": "p1"}
    response = post(web, "/planning/action", **common, date="2030-05-02", jours="1", **fields)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/places/p1/planning?date=2030-05-02"
    [call] = [c for c in web.app.state.rpc.domain_calls() if c.method == method]
    assert call.args == args
    refused = post(web, "/planning/action", **{**common, "csrf_token": "wrong"}, **fields)
    assert refused.status_code == 403


def test_a_refusal_is_said_on_the_planning_in_words():
    error = remote("booking", ValidationFailed("invalid data", errors=[]))
    web, events, _ = desk_setup(**{"booking.reject_booking": error})
    csrf = signed_in(web, events)
    response = post(
        web, "/planning/action", csrf_token=csrf, action="reject", booking_id="b2", place_id="p1"
    )
    assert response.status_code == 422
    assert "Indiquez un motif : il est transmis à la personne." in unescape(response.text)


def test_someone_who_does_not_run_the_place_is_refused_the_planning():
    error = remote("booking", Forbidden("no", what="place", id="p1", action="read the planning"))
    web, events, _ = desk_setup(**{"booking.planning": error})
    signed_in(web, events)
    response = web.get("/places/p1/planning")
    assert response.status_code == 403 and "Accès refusé" in response.text


# --- the person's side: her request, sent, and withdrawn ------------------------------------
def test_a_request_reads_as_sent_not_confirmed():
    web, _, _ = desk_setup(**{"booking.get_booking": WAITING})
    text = main_text(web.get("/reservations/b2").text)
    assert "Demande envoyée" in text and "Le lieu doit valider" in text
    assert "Réservation confirmée" not in text


def test_her_request_can_be_withdrawn_from_my_bookings():
    from .test_account_pages import bookings_setup

    web, events, _ = bookings_setup(**{"booking.my_bookings": [WAITING]})
    signed_in(web, events)
    html = web.get("/mes-reservations").text
    assert ">En attente d'accord</span>" in html
    [form] = re.findall(
        r'<form method="post" action="/mes-reservations/annuler">.*?</form>', html, re.S
    )
    assert 'name="booking_id" value="b2"' in form


CANCELLED = {
    **BOOKING_OUT,
    "id": "b3",
    "status": "cancelled",
    "name": "Thierry",
    "start": "2030-05-02T16:00:00+02:00",
    "end": "2030-05-02T17:00:00+02:00",
    "resource_name": "Salle",
}


def test_the_planning_lists_the_cancelled_bookings_with_a_restore_button():
    web, events, _ = desk_setup(**{"booking.planning": {**PLANNING, "cancelled": [CANCELLED]}})
    csrf = signed_in(web, events)
    html = web.get("/places/p1/planning?date=2030-05-02").text
    text = main_text(html)
    assert "Réservations annulées" in text
    assert "jeudi 2 mai 2030, 16 h – 17 h · Salle · Thierry" in text
    [form] = [
        f
        for f in re.findall(r'<form[^>]*action="/planning/action">.*?</form>', html, re.S)
        if 'value="restore"' in f
    ]
    assert 'name="booking_id" value="b3"' in form and f'value="{csrf}"' in form
    assert ">Rétablir</button>" in form
    post(web, "/langue", csrf_token=csrf, langue="en", next="/places/p1/planning")
    english = web.get("/places/p1/planning?date=2030-05-02").text
    assert "Cancelled bookings" in english and ">Restore</button>" in english
    # Nothing cancelled: no such section.
    web, events, _ = desk_setup()
    signed_in(web, events)
    assert "Réservations annulées" not in web.get("/places/p1/planning?date=2030-05-02").text
