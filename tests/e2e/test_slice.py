"""One real flow through everything: HTTP → RPC → service → MongoDB → event → email."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from icalendar import Calendar

from .helpers import (
    OPERATOR,
    add_resource,
    create_place,
    day,
    deliveries,
    emails,
    is_problem,
    member,
    wait_for,
)


def create_resource(api, place_id: str, seats: int) -> dict:
    body = {"name": "Salle Valensole", "kind": "meeting_room", "seats": seats}
    return add_resource(api, place_id, body)


def invitation(message):
    """The ``.ics`` of a booking email; None for any other email (an account's)."""
    found = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return found[0] if found else None


def test_capabilities_list_the_running_services(api):
    body = api.get("/api/capabilities").json()
    assert body["services"] == {
        "directory": True,
        "booking": True,
        "clubs": True,
        "notifications": True,
    }
    assert body["label"] == "Parc naturel régional du Verdon"
    assert api.get("/api/health").json()["status"] == "ok"
    assert api.get("/api/clubs").json() == []
    assert "maillage" in api.get("/openapi.json").text.lower()


def test_place_booking_and_emails(api, verdon):
    place = create_place(api, name=f"Riez {uuid.uuid4().hex[:6]}")
    assert any(p["id"] == place["id"] for p in api.get("/api/places").json())
    resource = create_resource(api, place["id"], seats=4)
    veronique, hers = member(verdon, api, "Véronique Martin")

    booking = {  # for herself: her account's address
        "resource_id": resource["id"],
        "start": day(5, 9),
        "end": day(5, 12),
        "seats": 2,
    }
    headers = {**hers, "Idempotency-Key": f"e2e-{uuid.uuid4().hex}"}
    first = api.post("/api/bookings", json=booking, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "confirmed"
    assert first.json()["email"] == veronique and first.json()["name"] == "Véronique Martin"
    again = api.post("/api/bookings", json=booking, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]

    # the coordinator hears of the new place
    coordinator = verdon.profile.coordinator_email
    wait_for(
        lambda: [
            m
            for m in emails(verdon.mail_dir, coordinator)
            if place["name"] in m.get_body(("plain",)).get_content()
        ]
    )

    # Véronique gets exactly one booking email, in French, with the invitation (her account's
    # confirmation came before it)
    def booked() -> list:
        return [m for m in emails(verdon.mail_dir, veronique) if invitation(m)]

    [message] = wait_for(booked)
    text = message.get_body(("plain",)).get_content()
    assert "Véronique" in text and "Salle Valensole" in text
    calendar = Calendar.from_ical(invitation(message).get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert first.json()["id"] in str(event["UID"])
    # A later booking's email is the positive signal that anything Véronique's could have
    # caused (a second event, a second send) has been handled by now: the operator books
    # for someone.
    marker = {**booking, "email": "marker.slice@example.org", "name": "Marqueur"}
    assert api.post("/api/bookings", json=marker, headers=OPERATOR).status_code == 201
    wait_for(lambda: emails(verdon.mail_dir, "marker.slice@example.org"))
    assert len(booked()) == 1


def test_concurrent_requests_for_the_last_seats(api, verdon):
    place = create_place(api, name="L'Atelier", commune="Mende", postal_code="48000")
    resource = create_resource(api, place["id"], seats=2)
    _, thierrys = member(verdon, api, "Thierry")
    booking = {"resource_id": resource["id"], "start": day(6, 14), "end": day(6, 16)}

    def attempt(_: int) -> int:
        with httpx.Client(base_url=verdon.url, timeout=30, headers=thierrys) as client:
            return client.post("/api/bookings", json=booking).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(12)))
    assert sorted(statuses) == [201, 201] + [409] * 10
    refused = api.post("/api/bookings", json=booking, headers=thierrys)
    body = is_problem(refused, 409)
    assert body["seats_total"] == 2 and body["seats_taken"] == 2


def test_resource_of_unknown_place_is_404_and_creates_nothing(api):
    unknown = "000000000000000000000000"
    response = api.post(
        f"/api/places/{unknown}/resources",
        json={"name": "Bureau", "kind": "office", "seats": 1},
        headers=OPERATOR,  # who may create a resource of any place, were it known
    )
    assert is_problem(response, 404)["code"] == "unknown_place"
    assert api.get(f"/api/places/{unknown}/resources").json() == []


def test_metrics_and_correlated_json_logs(api, verdon):
    correlation = f"corr-{uuid.uuid4().hex}"
    response = api.get("/api/places", headers={"X-Correlation-Id": correlation})
    assert response.headers["X-Correlation-Id"] == correlation
    for service in verdon.profile.services:
        metrics = httpx.get(f"http://127.0.0.1:{verdon.ports.metrics[service]}/metrics").text
        assert "maillage_rpc_requests_total{" in metrics
        assert f'method="health",outcome="ok",service="{service}"' in metrics
    assert "http_requests_total" in api.get("/metrics").text

    def logged() -> list[dict]:
        lines = (verdon.log_dir / "directory.log").read_text().splitlines()
        return [json.loads(line) for line in lines if correlation in line]

    [record, *_] = wait_for(logged)
    assert record["correlation_id"] == correlation and record["service"] == "directory"


def test_the_unsubscribe_link_in_an_email_stops_further_emails_of_its_kind(api, verdon):
    """The one-click link of a booking email stops the booking messages he did not ask for
    (here the place's cancellation); what he asks for himself would still come."""
    place = create_place(api, name="Arrêt Minute", commune="Pomerol", postal_code="33500")
    resource = create_resource(api, place["id"], seats=3)
    person = "thierry.unsubscribe@example.org"

    def book(day_offset: int) -> str:
        body = {
            "resource_id": resource["id"],
            "start": day(day_offset, 9),
            "end": day(day_offset, 10),
            "name": "Thierry",
            "email": person,
        }
        # the operator books for him (he phoned the place)
        response = api.post("/api/bookings", json=body, headers=OPERATOR)
        assert response.status_code == 201
        return response.json()["id"]

    booking = book(9)
    [message] = wait_for(lambda: emails(verdon.mail_dir, person))
    link = message["List-Unsubscribe"].strip("<>")
    assert "kind=bookings" in link
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # what a mail client does for a one-click unsubscribe (RFC 8058)
    response = httpx.post(
        link,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text

    cancelled = api.post(
        f"/api/bookings/{booking}/cancel", json={"reason": "Fermeture"}, headers=OPERATOR
    )
    assert cancelled.status_code == 200, cancelled.text
    # The positive signal: notifications logged the place's cancellation as suppressed.
    wait_for(
        lambda: [d for d in deliveries(verdon) if person in d["to"] and d["status"] == "suppressed"]
    )
    assert len(emails(verdon.mail_dir, person)) == 1


def test_the_served_gateway_names_no_server_and_sends_its_security_headers(api):
    response = api.get("/api/health")
    assert "server" not in response.headers  # uvicorn's "Server: uvicorn" is off
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
