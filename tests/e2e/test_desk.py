"""The facilitator's desk against the real platform (issue 8): Véronique asks for a room booked
on the place's approval; her seat is kept while she waits; the facilitator finds her request
in the approvals queue and rejects it with a reason, then approves her next one and later
cancels it with a reason. Each step is one email to her, in the SMTP sink and in the
delivery log. The planning page in a browser: ``test_browser.py``."""

from __future__ import annotations

import pytest

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

pytestmark = pytest.mark.e2e

WHY = "La salle est prise par l'atelier numérique ce jour-là"


def test_a_request_awaits_the_place_and_each_answer_is_one_email(verdon, api):
    place = create_place(api, name="Tiers-lieu des demandes")
    room = {"name": "Salle du conseil", "kind": "meeting_room", "seats": 1}
    resource = add_resource(api, place["id"], {**room, "approval_required": True})
    veronique, hers = member(verdon, api, "Véronique")
    _, thierrys = member(verdon, api, "Thierry")
    sandrine, facilitator = member(verdon, api, "Sandrine")
    grant = {"email": sandrine, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200

    wanted = {"resource_id": resource["id"], "start": day(4, 9), "end": day(4, 10)}
    asked = api.post("/api/bookings", json=wanted, headers=hers)
    assert asked.status_code == 201 and asked.json()["status"] == "awaiting_approval", asked.text
    request_id = asked.json()["id"]
    # Her seat is kept while the place decides; only its managers decide.
    is_problem(api.post("/api/bookings", json=wanted, headers=thierrys), 409)
    is_problem(api.post(f"/api/bookings/{request_id}/approve", headers=thierrys), 403)
    is_problem(api.post(f"/api/bookings/{request_id}/approve", headers=hers), 403)

    queue = api.get(
        f"/api/places/{place['id']}/planning",
        params={"date": day(4, 9)[:10], "status": "awaiting_approval"},
        headers=facilitator,
    )
    assert queue.status_code == 200, queue.text
    [waiting] = queue.json()["bookings"]
    assert (waiting["id"], waiting["name"], waiting["email"]) == (
        request_id,
        "Véronique",
        veronique,
    )
    is_problem(api.get(f"/api/places/{place['id']}/planning", headers=thierrys), 403)

    refusal = is_problem(api.post(f"/api/bookings/{request_id}/reject", headers=facilitator), 422)
    assert refusal["code"] == "validation_failed"  # no reason, no rejection
    rejected = api.post(
        f"/api/bookings/{request_id}/reject", json={"reason": WHY}, headers=facilitator
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected", rejected.text
    late = is_problem(api.post(f"/api/bookings/{request_id}/approve", headers=facilitator), 409)
    assert late["code"] == "booking_not_awaiting_approval"
    # The seat is free again: her next request takes it, and is approved.
    second = api.post("/api/bookings", json=wanted, headers=hers).json()
    approved = api.post(f"/api/bookings/{second['id']}/approve", headers=facilitator)
    assert approved.status_code == 200 and approved.json()["status"] == "confirmed"
    again = api.post(f"/api/bookings/{second['id']}/approve", headers=facilitator)
    assert again.json() == approved.json()
    # The place cancels it: with a reason, sent to her.
    cancel = f"/api/bookings/{second['id']}/cancel"
    needs = is_problem(api.post(cancel, headers=facilitator), 422)
    assert (needs["code"], needs["field"]) == ("reason_required", "reason")
    closed = api.post(cancel, json={"reason": "Fermeture exceptionnelle"}, headers=facilitator)
    assert closed.status_code == 200 and closed.json()["status"] == "cancelled", closed.text

    expected = {
        "Demande reçue": 2,  # her two requests
        "Demande non retenue": 1,
        "Réservation confirmée": 1,
        "Réservation annulée": 1,
    }

    def all_arrived():
        got = emails(verdon.mail_dir, veronique)
        counts = {s: sum(str(m["Subject"]).startswith(s) for m in got) for s in expected}
        return got if counts == expected else None

    got = wait_for(all_arrived, timeout=30)
    by_subject = {str(m["Subject"]).split(" :")[0]: m for m in got}
    refused_text = by_subject["Demande non retenue"].get_body(("plain",)).get_content()
    assert WHY in refused_text
    cancelled_text = by_subject["Réservation annulée"].get_body(("plain",)).get_content()
    assert "Fermeture exceptionnelle" in cancelled_text
    [invitation] = list(by_subject["Réservation confirmée"].iter_attachments())
    assert invitation.get_content_type() == "text/calendar"

    # One delivery per event in the notifications' log, none twice.
    kinds = {"booking_requested": 2, "booking_rejected": 1, "booking_confirmed": 1}
    kinds.update(booking_cancelled=1, email_confirmation_requested=1)  # and her sign-up's
    logged = [d for d in deliveries(verdon) if d.get("rcpt") == veronique]
    assert {k: sum(d["kind"] == k for d in logged) for k in kinds} == kinds
    assert len(logged) == sum(kinds.values())
