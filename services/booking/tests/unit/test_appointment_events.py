"""An appointment's later events (its cancellation, its outcome) say which appointment it was,
read back from its permanence: the person's cancellation email names « Démarches en ligne »
and the agent, not the agent's resource."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.booking import commands, desk, permanences
from services.booking.models import Booking, Permanence
from services.common.tests.callers import MANAGER, VERONIQUE
from tests.support import RecordingStager

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 23, 8, tzinfo=UTC)  # a Monday
TUESDAY_9 = datetime(2026, 11, 24, 9, tzinfo=PARIS)
MOTIF = {
    "code": "demarches",
    "label": "Démarches en ligne",
    "duration_minutes": 30,
    "modes": ["in_person", "phone"],
    "text_after": "Apportez vos identifiants.",
}


def events_of(kind: str) -> list[dict]:
    return [e["data"] for d in Booking.objects for e in d.outbox if e["type"] == kind]


def appointment(resource) -> dict:
    """Véronique's appointment by phone at the Tuesday permanence of ``p1``."""
    spec = {"agent_name": "Paul", "organisation": "Aide numérique", "rule": "Tu 09:00-12:00"}
    made = permanences.create_permanence(
        "p1", {**spec, "motifs": [MOTIF]}, "perm", RecordingStager("booking"), MANAGER, NOW
    )
    wanted = {"motif": "demarches", "start": TUESDAY_9.isoformat(), "mode": "phone"}
    wanted["phone"] = "06 11 22 33 44"
    return permanences.book_appointment(
        made["id"], wanted, "appt", RecordingStager("booking"), VERONIQUE, NOW
    )


def test_the_cancellation_of_an_appointment_says_which_it_was(resource):
    booked = appointment(resource)
    commands.cancel_booking(booked["id"], "cancel", RecordingStager("booking"), VERONIQUE, NOW)
    [cancelled] = events_of("booking_cancelled")
    assert cancelled["appointment"] == {
        "permanence_id": Permanence.objects.first().id.__str__(),
        "agent_name": "Paul",
        "organisation": "Aide numérique",
        "motif": "demarches",
        "motif_label": "Démarches en ligne",
        "mode": "phone",
        "phone": "06 11 22 33 44",
        "text_after": "Apportez vos identifiants.",
    }


def test_its_outcome_says_it_too_and_a_plain_booking_s_events_carry_none(resource):
    booked = appointment(resource)
    later = TUESDAY_9.astimezone(UTC) + timedelta(minutes=10)
    desk.record_outcome(
        booked["id"], {"outcome": "no_show"}, "k", RecordingStager("booking"), MANAGER, later
    )
    [recorded] = events_of("booking_outcome_recorded")
    assert recorded["appointment"]["motif_label"] == "Démarches en ligne"
    plain = {
        "resource_id": resource["id"],
        "start": datetime(2026, 11, 25, 9, tzinfo=PARIS).isoformat(),
        "end": datetime(2026, 11, 25, 10, tzinfo=PARIS).isoformat(),
    }
    mine = commands.create_booking(plain, "plain", RecordingStager("booking"), NOW, VERONIQUE)
    commands.cancel_booking(mine["id"], "c2", RecordingStager("booking"), VERONIQUE, NOW)
    assert [e.get("appointment") for e in events_of("booking_cancelled")] == [None]
