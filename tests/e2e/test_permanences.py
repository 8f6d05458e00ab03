"""Permanences on the real platform (issue 8): Riez's digital-help permanence every Tuesday
morning reserves the meeting room — refused while a member holds the room on one of its
mornings, created once she cancels; its free slots per motif; Véronique's appointment in
person and Marceline's by phone booked by the operator for her, each confirmed by an email
that shows the motif, the mode, the text after booking and the place; the room then refuses
a booking over a permanence morning."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .helpers import OPERATOR, add_resource, create_place, emails, is_problem, member, wait_for

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
MOTIFS = [
    {
        "code": "demarches",
        "label": "Démarches en ligne",
        "duration_minutes": 30,
        "modes": ["in_person", "phone"],
        "text_before": "Pour vos démarches CAF, impôts, ANTS.",
        "text_after": "Apportez vos identifiants et une pièce d'identité.",
    },
    {
        "code": "atelier",
        "label": "Atelier smartphone",
        "duration_minutes": 120,
        "modes": ["in_person"],
        "capacity": 6,
    },
]


def tuesday(weeks: int, hour: int, minute: int = 0) -> datetime:
    start = datetime.now(PARIS).date() + timedelta(days=2)
    day = start + timedelta(days=(1 - start.weekday()) % 7 + 7 * weeks)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_a_permanence_reserves_its_room_and_takes_appointments(verdon, api):
    veronique, hers = member(verdon, api, "Véronique")
    place = create_place(api, name=f"Riez {uuid.uuid4().hex[:6]}")
    room = add_resource(api, place["id"], {"name": "Salle", "kind": "meeting_room", "seats": 1})
    permanence = {
        "agent_name": "Paul Martin",
        "organisation": "Aide numérique",
        "rule": "Tu 09:00-12:00",
        "room_resource_id": room["id"],
        "motifs": MOTIFS,
    }
    path = f"/api/places/{place['id']}/permanences"

    # Véronique has the room on the third Tuesday morning: the permanence is refused there.
    third = {
        "resource_id": room["id"],
        "start": tuesday(2, 10).isoformat(),
        "end": tuesday(2, 11).isoformat(),
    }
    held = api.post("/api/bookings", json=third, headers=hers)
    assert held.status_code == 201, held.text
    refused = is_problem(api.post(path, json=permanence, headers=OPERATOR), 409)
    assert refused["code"] == "room_unavailable"
    assert refused["start"] == tuesday(2, 9).isoformat()
    assert "mardi" in refused["detail"]  # the date in words, not ISO
    cancelled = api.post(f"/api/bookings/{held.json()['id']}/cancel", headers=hers)
    assert cancelled.status_code == 200, cancelled.text

    made = api.post(path, json=permanence, headers=OPERATOR)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    listed = api.get(path).json()
    assert [(p["id"], p["agent_name"]) for p in listed] == [(pid, "Paul Martin")]
    assert [m["code"] for m in listed[0]["motifs"]] == ["demarches", "atelier"]

    day = tuesday(0, 0).date().isoformat()
    slots = api.get(
        f"/api/permanences/{pid}/slots", params={"motif": "demarches", "from": day, "to": day}
    )
    assert slots.status_code == 200, slots.text
    starts = [s["start"] for s in slots.json()["slots"]]
    assert starts == [(tuesday(0, 9) + timedelta(minutes=30 * i)).isoformat() for i in range(6)]

    # Véronique, in person, for herself; Marceline, by phone, booked for her by the operator.
    mine = api.post(
        f"/api/permanences/{pid}/appointments",
        json={"motif": "demarches", "start": starts[0]},
        headers={**hers, "Idempotency-Key": "veronique-1"},
    )
    assert mine.status_code == 201, mine.text
    assert (mine.json()["motif"], mine.json()["mode"]) == ("demarches", "in_person")
    marceline = f"marceline.{uuid.uuid4().hex[:8]}@example.org"
    by_phone = {
        "motif": "demarches",
        "start": starts[1],
        "mode": "phone",
        "name": "Marceline Blanc",
        "email": marceline,
        "phone": "04 92 77 00 00",
    }
    hers_too = api.post(f"/api/permanences/{pid}/appointments", json=by_phone, headers=OPERATOR)
    assert hers_too.status_code == 201, hers_too.text
    again = api.get(
        f"/api/permanences/{pid}/slots", params={"motif": "demarches", "from": day, "to": day}
    ).json()
    assert [s["start"] for s in again["slots"]] == starts[2:]

    [confirmation] = wait_for(lambda: emails(verdon.mail_dir, marceline))
    text = body_of(confirmation)
    assert confirmation["Subject"].startswith("Rendez-vous confirmé : Démarches en ligne")
    assert "l'agent vous appellera au 04 92 77 00 00" in text
    assert "Apportez vos identifiants et une pièce d'identité." in text
    assert f"Où : {place['name']}" in text
    [hers_mail] = wait_for(
        lambda: [m for m in emails(verdon.mail_dir, veronique) if "Rendez-vous" in m["Subject"]]
    )
    assert "Sur place." in body_of(hers_mail)
    mine_listed = api.get("/api/me/bookings", headers=hers).json()
    assert mine.json()["id"] in [b["id"] for b in mine_listed]

    # The room is the permanence's on its mornings.
    over = {**third, "start": tuesday(1, 11).isoformat(), "end": tuesday(1, 12).isoformat()}
    assert is_problem(api.post("/api/bookings", json=over, headers=hers), 409)["code"] == (
        "no_seat_left"
    )
    # The agent's time is not booked as a resource.
    direct = {
        "resource_id": made.json()["resource_id"],
        "start": starts[3],
        "end": starts[4],
    }
    refused = is_problem(api.post("/api/bookings", json=direct, headers=hers), 422)
    assert refused["code"] == "book_through_permanence"
