"""Event contracts: what services publish and consume agrees with the event models of
``contracts/<owner>.py``, with the consumers the handlers declare, and with ``docs/events.md``.
No broker, no database.

Run: .venv/bin/pytest -p no:nameko tests/contracts -q
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pydantic
import pytest

import contracts
import contracts.gateway
from contracts.events import SCHEMA_VERSION
from services.common.envelope import ENVELOPE_KEYS, make_event
from services.common.topology import Consumer, consumers_of
from tests.samples import (
    BOOKING_CONFIRMED,
    BOOKING_SERIES_CANCELLED,
    BOOKING_SERIES_CONFIRMED,
)
from tools.topology import EVENT_SOURCES, all_consumers, service_class

# The services' events, and the gateway's (no service: contracts/gateway.py, gateway/events.py).
EVENTS = {module.SERVICE: module.EVENTS for module in contracts.OWNERS}
EVENTS[contracts.gateway.SOURCE] = contracts.gateway.EVENTS
CONSUMERS = all_consumers()

REPO = Path(__file__).resolve().parents[2]
SERVICES_DIR = REPO / "services"
GATEWAY_DIR = REPO / "gateway"
EVENTS_DOC = REPO / "docs" / "events.md"

# A service is a folder of services/ with a service.py (services/common and services/tests
# are not).
SERVICE_FOLDERS = sorted(p.parent.name for p in SERVICES_DIR.glob("*/service.py"))

SUBSCRIPTION_STARTED = {
    "subscription_id": "6650c0ffee0000000000000d",
    "resource_id": "6650c0ffee0000000000000b",
    "place_id": "6650c0ffee0000000000000a",
    "start": "2026-12",
    "months": 3,
    "name": "Claire Dubois",
    "email": "claire.dubois@example.org",
    "language": "fr",
}

# One valid ``data`` per declared event: a new event needs a sample here (see
# test_every_declared_event_has_a_sample).
WORKSHOP = {
    "workshop_id": "6650c0ffee00000000000020",
    "club_id": None,
    "place_id": "6650c0ffee0000000000000a",
    "place_name": "Tiers-lieu de Riez",
    "title": "Atelier compost",
    "start": "2026-12-03T09:00:00+01:00",
    "end": "2026-12-03T12:00:00+01:00",
    "timezone": "Europe/Paris",
}
RSVP = {**WORKSHOP, "rsvp_id": "6650c0ffee00000000000021", "member_id": "m-1", "language": "fr"}
CLUBS_SAMPLES: dict[tuple[str, str], dict] = {
    ("clubs", "workshop_created"): {
        **WORKSHOP,
        "capacity": 12,
        "visibility": "public",
        "min_participants": 4,
        "deadline": "2026-12-01T18:00:00+01:00",
        "organiser_id": "m-riez",
    },
    ("clubs", "workshop_updated"): {**WORKSHOP, "changed": ["capacity"], "capacity": 15},
    ("clubs", "workshop_scheduled"): {**WORKSHOP, "sequence": 1, "room": True},  # moved once
    ("clubs", "workshop_cancelled"): {
        **WORKSHOP,
        "reason": "minimum_not_reached",
        "participants": ["m-1"],
        "waitlisted": [],
        "taken": 1,
        "min_participants": 4,
    },
    ("clubs", "workshop_confirmed"): {**WORKSHOP, "participants": ["m-1"], "taken": 1},
    ("clubs", "workshop_attendance_taken"): {
        **WORKSHOP,
        "registered": 10,
        "present": 8,
        "absent": 2,
    },
    ("clubs", "rsvp_confirmed"): RSVP,
    ("clubs", "rsvp_waitlisted"): {**RSVP, "position": 2},
    ("clubs", "rsvp_promoted"): RSVP,
    ("clubs", "rsvp_cancelled"): RSVP,
}

SAMPLES: dict[tuple[str, str], dict] = {
    ("directory", "place_created"): {
        "place_id": "6650c0ffee0000000000000a",
        "name": "La Grange numérique",
        "commune": "Lamastre",
        "postal_code": "07270",
        "status": "project",
        "location": {"lat": 44.99, "lon": 4.58},
    },
    # Local actors and contact requests (issue 9, dir-actors).
    ("directory", "actor_created"): {
        "actor_id": "6650c0ffee0000000000001a",
        "name": "Gîte des Lavandes",
        "trade": "chambres d'hôtes",
        "categories": ["sleep"],
        "commune": "Riez",
        "postal_code": "04500",
        "location": {"lat": 43.82, "lon": 6.095},
        "owner_id": None,
        "contribution_id": None,
    },
    ("directory", "actor_updated"): {
        "actor_id": "6650c0ffee0000000000001a",
        "name": "Gîte des Lavandes",
        "changed": ["show_contact", "tags"],
        "contribution_id": None,
    },
    ("directory", "actor_removed"): {
        "actor_id": "6650c0ffee0000000000001a",
        "name": "Gîte des Lavandes",
    },
    ("directory", "contact_requested"): {
        "request_id": "6650c0ffee0000000000001b",
        "target_type": "actor",
        "target_id": "6650c0ffee0000000000001a",
        "recipient_email": "gite.lavandes@example.org",
        "recipient_name": "Gîte des Lavandes",
        "sender_name": "Véronique",
        "message": "Bonjour, avez-vous une chambre du 3 au 7 mars ?",
        "reply_token": "3q2-7wEAAAB0b2tlbi1leGFtcGxl",
        "language": "fr",
    },
    ("directory", "contact_replied"): {
        "request_id": "6650c0ffee0000000000001b",
        "sender_email": "veronique@example.org",
        "sender_name": "Véronique",
        "recipient_name": "Gîte des Lavandes",
        "message": "Bonjour, avez-vous une chambre du 3 au 7 mars ?",
        "reply": "Oui, la chambre bleue est libre.",
        "reply_to": "gite.lavandes@example.org",
        "language": "fr",
    },
    ("directory", "place_updated"): {
        "place_id": "6650c0ffee0000000000000a",
        "version": 3,
        "changes": {"name": "La Grange", "opening_hours": "Tu-Sa 10:00-19:00"},
        "name": "La Grange",
        "commune": "Lamastre",
        "location": {"lat": 44.99, "lon": 4.58},
        "opening_hours": "Tu-Sa 10:00-19:00",
    },
    ("directory", "place_status_changed"): {
        "place_id": "6650c0ffee0000000000000a",
        "version": 4,
        "status": "open",
        "previous": "project",
        "since": "2026-12-01",
    },
    ("directory", "contribution_submitted"): {
        "contribution_id": "6650c0ffee0000000000001a",
        "type": "place",
        "target_id": None,
        "name": "Tiers-lieu de Riez",
        "submitted_by": "6650c0ffee00000000000001",
        "duplicates": 1,
    },
    ("directory", "contribution_approved"): {
        "contribution_id": "6650c0ffee0000000000001a",
        "type": "place",
        "target_id": None,
        "record_id": "6650c0ffee0000000000000a",
        "name": "Tiers-lieu de Riez",
        "submitted_by": "6650c0ffee00000000000001",
        "email": "veronique@example.org",
        "contributor_name": "Véronique",
        "language": "fr",
        "reason": None,
    },
    ("directory", "contribution_rejected"): {
        "contribution_id": "6650c0ffee0000000000001a",
        "type": "actor",
        "target_id": "6650c0ffee0000000000002b",
        "record_id": None,
        "name": "Menuiserie Giraud",
        "submitted_by": "6650c0ffee00000000000001",
        "email": "veronique@example.org",
        "contributor_name": "Véronique",
        "language": "en",
        "reason": "Cette adresse est déjà dans l'annuaire.",
    },
    ("booking", "resource_created"): {
        "resource_id": "6650c0ffee0000000000000b",
        "place_id": "6650c0ffee0000000000000a",
        "name": "Salle de réunion",
        "kind": "meeting_room",
        "seats": 8,
    },
    ("booking", "resource_updated"): {
        "resource_id": "6650c0ffee0000000000000b",
        "place_id": "6650c0ffee0000000000000a",
        "changed": ["opening_hours", "seats"],
        "resource": {
            "id": "6650c0ffee0000000000000b",
            "place_id": "6650c0ffee0000000000000a",
            "name": "Salle de réunion",
            "kind": "meeting_room",
            "seats": 10,
            "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:00",
            "unit": "hour",
            "timezone": "Europe/Paris",
        },
    },
    ("booking", "booking_confirmed"): dict(BOOKING_CONFIRMED),
    ("booking", "booking_series_confirmed"): dict(BOOKING_SERIES_CONFIRMED),
    ("booking", "booking_series_cancelled"): dict(BOOKING_SERIES_CANCELLED),
    ("booking", "booking_cancelled"): {
        **BOOKING_CONFIRMED,
        "cancelled_by": "owner",
        "sequence": 1,
    },
    ("booking", "subscription_started"): dict(SUBSCRIPTION_STARTED),
    ("booking", "subscription_cancelled"): {**SUBSCRIPTION_STARTED, "released_from": "2027-01"},
    ("booking", "booking_requested"): dict(BOOKING_CONFIRMED),
    ("booking", "booking_rejected"): {**BOOKING_CONFIRMED, "reason": "La salle est prise"},
    ("booking", "booking_waitlisted"): {
        **BOOKING_CONFIRMED,
        "position": 2,
        "leave_token": "6650c0ffee0000000000000c.0123456789abcdef0123456789abcdef",
        "message": 1,
    },
    ("booking", "booking_offered"): {
        **BOOKING_CONFIRMED,
        "expires_at": "2026-11-28T11:00:00+01:00",
        "accept_token": "6650c0ffee0000000000000c.00112233445566778899aabbccddeeff",
        "leave_token": "6650c0ffee0000000000000c.0123456789abcdef0123456789abcdef",
        "message": 2,
    },
    ("booking", "booking_offer_lapsed"): {**BOOKING_CONFIRMED, "requeued": True},
    ("booking", "booking_outcome_recorded"): {
        **BOOKING_CONFIRMED,
        "outcome": "no_show",
        "previous_status": "confirmed",
    },
    ("booking", "booking_reminder_due"): {
        **BOOKING_CONFIRMED,
        "remind_at": "2026-11-30T08:00:00+00:00",
        "hours_before": 24,
    },
    ("booking", "booking_restored"): {
        **BOOKING_CONFIRMED,
        "sequence": 2,
        "restored_by": "6650c0ffee00000000000042",
    },
    ("booking", "permanence_created"): {
        "permanence_id": "6650c0ffee0000000000000d",
        "place_id": "6650c0ffee0000000000000a",
        "resource_id": "6650c0ffee0000000000000e",
        "agent_name": "Paul Martin",
        "organisation": "Aide numérique",
        "rule": "Tu 09:00-12:00",
        "room_resource_id": "6650c0ffee0000000000000b",
        "motifs": [{"code": "demarches", "label": "Démarches en ligne", "capacity": 1}],
    },
    ("booking", "permanence_updated"): {
        "permanence_id": "6650c0ffee0000000000000d",
        "place_id": "6650c0ffee0000000000000a",
        "changed": ["closures"],
        "permanence": {"id": "6650c0ffee0000000000000d", "status": "open"},
    },
    ("booking", "permanence_closed"): {
        "permanence_id": "6650c0ffee0000000000000d",
        "place_id": "6650c0ffee0000000000000a",
        "room_holds_released": 11,
    },
    ("gateway", "member_registered"): {
        "member_id": "6650c0ffee0000000000000c",
        "email": "marceline@example.org",
        "name": "Marceline Giraud",
        "language": "fr",
    },
    ("gateway", "member_updated"): {
        "member_id": "6650c0ffee0000000000000c",
        "email": "marceline.giraud@example.org",
        "name": "Marceline Giraud",
        "language": "en",
    },
    ("gateway", "place_managers_changed"): {
        "place_id": "6650c0ffee0000000000000a",
        "manager_ids": ["6650c0ffee0000000000000c"],
        "version": 1,
    },
    ("gateway", "member_erased"): {
        "member_id": "6650c0ffee0000000000000c",
        "email": "marceline.giraud@example.org",
    },
    **{
        ("gateway", event_type): {
            "email": "marceline@example.org",
            "name": "Marceline Giraud",
            "language": "fr",
            "link": "https://maillage.example/auth/confirm?token=Zm9vYmFy",
            "expires_at": "2030-05-03T10:00:00+02:00",
        }
        for event_type in (
            "email_confirmation_requested",
            "sign_in_link_requested",
            "password_reset_requested",
        )
    },
    ("gateway", "email_change_requested"): {
        "email": "marceline.giraud@example.org",
        "name": "Marceline Giraud",
        "language": "fr",
        "link": "https://maillage.example/api/auth/email?token=Zm9vYmFy",
        "expires_at": "2030-05-03T10:00:00+02:00",
        "previous_email": "marceline@example.org",
        "new_email_hint": "m•••@example.org",
    },
    # Clubs' meetings and their room (clubs-meetings).
    ("clubs", "meeting_series_created"): {
        "series_id": "6650c0ffee0000000000c001",
        "club_id": "6650c0ffee0000000000c0c1",
        "place_id": "6650c0ffee0000000000000a",
        "title": "Réunion du club des hôtes",
        "rrule": "FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH",
        "first_start": "2026-12-03T09:00:00+01:00",
        "timezone": "Europe/Paris",
    },
    **{
        ("clubs", event_type): {
            "occurrence_id": "6650c0ffee0000000000c001:2026-12-03",
            "series_id": "6650c0ffee0000000000c001",
            "club_id": "6650c0ffee0000000000c0c1",
            "place_id": "6650c0ffee0000000000000a",
            "title": "Réunion du club des hôtes",
            "start": "2026-12-03T09:00:00+01:00",
            "end": "2026-12-03T12:00:00+01:00",
            "sequence": 1,
            "room": True,
        }
        for event_type in ("meeting_scheduled", "meeting_cancelled")
    },
    ("clubs", "meeting_moved"): {
        "occurrence_id": "6650c0ffee0000000000c001:2026-12-03",
        "series_id": "6650c0ffee0000000000c001",
        "club_id": "6650c0ffee0000000000c0c1",
        "place_id": "6650c0ffee0000000000000a",
        "title": "Réunion du club des hôtes",
        "start": "2026-12-10T09:00:00+01:00",
        "end": "2026-12-10T12:00:00+01:00",
        "sequence": 2,
        "room": True,
        "previous_start": "2026-12-03T09:00:00+01:00",
        "previous_end": "2026-12-03T12:00:00+01:00",
    },
    ("clubs", "meeting_room_refused"): {
        "occurrence_id": "6650c0ffee0000000000c001:2026-12-03",
        "club_id": "6650c0ffee0000000000c0c1",
        "club_name": "Club des hôtes",
        "place_id": "6650c0ffee0000000000000a",
        "president_id": "6650c0ffee00000000000m01",
        "title": "Réunion du club des hôtes",
        "start": "2026-12-03T09:00:00+01:00",
        "end": "2026-12-03T12:00:00+01:00",
        "reason": "allowance_exceeded",
        "hours_per_month": 4,
        "hours_used": 3.0,
    },
    ("booking", "room_reserved"): {
        "for_type": "meeting",
        "for_id": "6650c0ffee0000000000c001:2026-12-03",
        "club_id": "6650c0ffee0000000000c0c1",
        "place_id": "6650c0ffee0000000000000a",
        "sequence": 1,
        "booking_id": "6650c0ffee0000000000000c",
        "resource_id": "6650c0ffee0000000000000b",
        "resource_name": "Salle du lavoir",
        "start": "2026-12-03T09:00:00+01:00",
        "end": "2026-12-03T12:00:00+01:00",
    },
    ("booking", "room_refused"): {
        "for_type": "meeting",
        "for_id": "6650c0ffee0000000000c001:2026-12-03",
        "club_id": "6650c0ffee0000000000c0c1",
        "place_id": "6650c0ffee0000000000000a",
        "sequence": 1,
        "reason": "room_taken",
        "resource_id": "6650c0ffee0000000000000b",
        "start": "2026-12-03T08:00:00+00:00",
        "end": "2026-12-03T11:00:00+00:00",
        "hours_per_month": None,
        "hours_used": None,
    },
    ("booking", "room_released"): {
        "for_type": "meeting",
        "for_id": "6650c0ffee0000000000c001:2026-12-03",
        "club_id": "6650c0ffee0000000000c0c1",
        "place_id": "6650c0ffee0000000000000a",
        "sequence": 2,
        "booking_id": "6650c0ffee0000000000000c",
    },
    # Clubs (issue 10, clubs-core).
    ("clubs", "club_created"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "name": "Club WordPress",
        "purpose": "S'entraider pour faire vivre nos sites.",
        "status": "incubating",
        "join_policy": "open",
        "members_visible": True,
        "created_by": "6650c0ffee00000000000e01",
    },
    ("clubs", "club_updated"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "changed": ["join_policy"],
        "name": "Club WordPress",
        "purpose": "S'entraider pour faire vivre nos sites.",
        "join_policy": "approval",
        "members_visible": True,
    },
    ("clubs", "club_status_changed"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "status": "autonomous",
        "previous": "incubating",
        "decided_by": "6650c0ffee00000000000e02",
        "decided_at": "2026-11-26T09:30:00+00:00",
    },
    ("clubs", "club_member_joined"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "member_id": "6650c0ffee00000000000e03",
        "approved_by": None,
    },
    ("clubs", "club_member_left"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "member_id": "6650c0ffee00000000000e03",
        "removed_by": None,
    },
    ("clubs", "club_join_answered"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "club_name": "Club WordPress",
        "member_id": "6650c0ffee00000000000e03",
        "approved": True,
        "answered_by": "6650c0ffee00000000000e01",
    },
    ("clubs", "club_join_requested"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "club_name": "Club WordPress",
        "member_id": "6650c0ffee00000000000e03",
        "member_name": "Céline",
        "president_id": "6650c0ffee00000000000e01",
    },
    ("clubs", "club_president_changed"): {
        "club_id": "6650c0ffee00000000000c01",
        "place_id": "6650c0ffee0000000000000a",
        "president_id": "6650c0ffee00000000000e03",
        "previous_id": None,
        "changed_by": "6650c0ffee00000000000e01",
    },
    ("clubs", "announcement_posted"): {
        "announcement_id": "6650c0ffee00000000000a01",
        "club_id": "6650c0ffee00000000000c01",
        "club_name": "Club WordPress",
        "place_id": "6650c0ffee0000000000000a",
        "author_id": "6650c0ffee00000000000e03",
        "subject": "Réunion de décembre",
        "body": "Jeudi 3 décembre, 9 h : mises à jour de sécurité.",
        "member_ids": ["6650c0ffee00000000000e04", "6650c0ffee00000000000e05"],
    },
}
SAMPLES.update(CLUBS_SAMPLES)  # workshops and events (issue 10)

DECLARED = sorted((source, event_type) for source, types in EVENTS.items() for event_type in types)

PUBLISH_RE = re.compile(r"""events\.event\(\s*["'](\w+)["']""")
# The gateway: ``events.emit("<type>"`` / ``.emit("<type>"``.
EMIT_RE = re.compile(r"""\.emit\(\s*["'](\w+)["']""")
QUOTED_RE = re.compile(r"""["'](\w+)["']""")
# Where the gateway publishes: its accounts package and the routes that call it.
GATEWAY_PUBLISHERS = ("accounts/**/*.py", "routers/*.py")
RELIABLE_RE = re.compile(
    r"""@reliable_handler\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']\s*\)\s*\n\s*def\s+(\w+)"""
)
DATA_KEY_RE = re.compile(r"""data(?:\[|\.get\()\s*["'](\w+)["']""")


# --- helpers ---------------------------------------------------------------------------------
def published_events() -> set[tuple[str, str]]:
    """(service folder, event type) of every ``events.event("<type>", ...)`` in the service's
    modules, folders included (``commands/``, the directory's ``contributions/``), tests aside."""
    found = set()
    for folder in SERVICE_FOLDERS:
        root = SERVICES_DIR / folder
        for path in sorted(root.rglob("*.py")):
            if "tests" not in path.relative_to(root).parts:
                text = path.read_text(encoding="utf-8")
                found |= {(folder, event_type) for event_type in PUBLISH_RE.findall(text)}
    return found | gateway_published_events()


def gateway_published_events() -> set[tuple[str, str]]:
    """("gateway", type) of every ``.emit("<type>"`` in gateway/accounts/** and the routers.

    A module that calls ``.emit(`` with a variable (one route for the three link emails)
    counts the declared gateway event types it names as string literals."""
    found = set()
    declared = set(contracts.gateway.EVENTS)
    for pattern in GATEWAY_PUBLISHERS:
        for path in sorted(GATEWAY_DIR.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            if ".emit(" not in text:
                continue
            found |= {("gateway", t) for t in EMIT_RE.findall(text)}
            found |= {("gateway", t) for t in QUOTED_RE.findall(text) if t in declared}
    return found


def event_handlers() -> list[Consumer]:
    """Every nameko event handler entrypoint of the service classes, as a Consumer."""
    return sorted(c for folder in SERVICE_FOLDERS for c in consumers_of(service_class(folder)))


def reliable_handlers_in_source() -> list[Consumer]:
    """Every ``@reliable_handler(source, type)`` written in services/*/service.py."""
    found = []
    for folder in SERVICE_FOLDERS:
        text = (SERVICES_DIR / folder / "service.py").read_text(encoding="utf-8")
        found += [Consumer(s, t, folder, m) for s, t, m in RELIABLE_RE.findall(text)]
    return sorted(found)


def field_paths(model: type[pydantic.BaseModel], prefix: str = "") -> list[str]:
    """``["place_id", ..., "location", "location.lat", "location.lon"]``."""
    paths = []
    for name, info in model.model_fields.items():
        paths.append(prefix + name)
        nested = info.annotation
        if inspect.isclass(nested) and issubclass(nested, pydantic.BaseModel):
            paths += field_paths(nested, f"{prefix}{name}.")
    return paths


def doc_section(event_type: str) -> str:
    """The text of docs/events.md under the heading ``### `<event_type>` ``."""
    text = EVENTS_DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### `{event_type}`\n(.*?)(?=^##|\Z)", text, re.S | re.M)
    assert match, f"docs/events.md has no section '### `{event_type}`'"
    return match.group(1)


def envelope(source: str, event_type: str, data: dict | None = None) -> dict:
    data = SAMPLES[source, event_type] if data is None else data
    return make_event(source, event_type, data, territory="verdon")


# --- publishers and schemas --------------------------------------------------------------------
def test_the_scans_find_something():
    # Guards the regexes: a scan that finds nothing would make every test below pass.
    assert published_events()
    assert event_handlers()
    assert reliable_handlers_in_source()


def test_every_event_source_is_a_service_or_the_gateway():
    assert set(EVENTS) == set(SERVICE_FOLDERS) | {"gateway"} == set(EVENT_SOURCES)
    assert set(SERVICE_FOLDERS) == set(contracts.SERVICE_NAMES)
    for folder in SERVICE_FOLDERS:
        assert service_class(folder).name == folder


@pytest.mark.parametrize("source, event_type", sorted(published_events()))
def test_every_published_event_is_declared_under_its_source(source, event_type):
    assert event_type in EVENTS.get(source, {}), (
        f"{source} publishes {event_type!r}, not declared in contracts/{source}.py EVENTS"
    )


@pytest.mark.parametrize("source, event_type", DECLARED)
def test_every_declared_event_is_published(source, event_type):
    where = "gateway/accounts" if source == "gateway" else f"services/{source}/commands"
    assert (source, event_type) in published_events(), (
        f"EVENTS declares {source}.{event_type} but {where} never publishes it (dead schema)"
    )


def test_every_declared_event_has_a_sample():
    assert sorted(SAMPLES) == DECLARED


# --- consumers and topology ------------------------------------------------------------------
def test_every_event_handler_is_a_reliable_handler():
    # A bare @event_handler acks and drops the event when it raises (ARCHITECTURE.md §4).
    assert event_handlers() == reliable_handlers_in_source()


@pytest.mark.parametrize("handler", event_handlers(), ids=lambda c: f"{c.service}.{c.method}")
def test_every_handler_consumes_a_declared_event(handler):
    event = f"{handler.source}.{handler.event_type}"
    assert handler.event_type in EVENTS.get(handler.source, {}), (
        f"{handler.service}.{handler.method} handles undeclared event {event}"
    )


def test_the_deployed_queues_are_exactly_the_handlers():
    assert list(CONSUMERS) == event_handlers()
    assert len({c.queue for c in CONSUMERS}) == len(CONSUMERS)


# --- make_event --------------------------------------------------------------------------------
@pytest.mark.parametrize("source, event_type", DECLARED)
def test_make_event_builds_a_complete_envelope(source, event_type):
    event = envelope(source, event_type)
    assert set(ENVELOPE_KEYS) <= set(event)
    assert event["type"] == event_type
    assert event["territory"] == "verdon"
    assert event["schema_version"] == SCHEMA_VERSION
    uuid.UUID(event["event_id"])
    occurred_at = datetime.fromisoformat(event["occurred_at"])
    assert occurred_at.utcoffset() is not None, "occurred_at must carry a UTC offset"
    assert event["data"] == EVENTS[source][event_type].model_validate(event["data"]).model_dump(
        mode="json"
    )
    json.dumps(event)  # travels as JSON


@pytest.mark.parametrize("source, event_type", DECLARED)
def test_make_event_refuses_an_extra_field(source, event_type):
    with pytest.raises(pydantic.ValidationError):
        envelope(source, event_type, {**SAMPLES[source, event_type], "unexpected": 1})


@pytest.mark.parametrize(
    "source, event_type, field",
    [
        (source, event_type, name)
        for source, event_type in DECLARED
        for name, info in EVENTS[source][event_type].model_fields.items()
        if info.is_required()
    ],
)
def test_make_event_refuses_a_missing_required_field(source, event_type, field):
    data = {k: v for k, v in SAMPLES[source, event_type].items() if k != field}
    with pytest.raises(pydantic.ValidationError):
        envelope(source, event_type, data)


@pytest.mark.parametrize(
    "source, event_type", [("directory", "place_deleted"), ("nowhere", "place_created")]
)
def test_make_event_refuses_an_unknown_event(source, event_type):
    with pytest.raises(KeyError):
        make_event(source, event_type, {}, territory="verdon")


# --- what consumers read is in the schema ------------------------------------------------------
def required_only(source: str, event_type: str) -> dict:
    """The sample without its optional fields: what a minimal publisher may send."""
    fields = EVENTS[source][event_type].model_fields
    return {k: v for k, v in SAMPLES[source, event_type].items() if fields[k].is_required()}


@pytest.mark.parametrize("sample", ["full", "required only"])
def test_notifications_can_compose_booking_confirmed(sample):
    from services.notifications import compose

    data = SAMPLES["booking", "booking_confirmed"]
    if sample == "required only":
        # Notifications composes only for an address (without one, a manager booked for
        # someone reached by phone, and nothing is sent: services/notifications unit tests).
        data = {**required_only("booking", "booking_confirmed"), "email": data["email"]}
    message = compose.booking_confirmed_message(
        envelope("booking", "booking_confirmed", data)["data"],
        mail_from="Maillage <ne-pas-repondre@maillage.example>",
        public_url="https://maillage.example",
    )
    assert isinstance(message, EmailMessage)
    assert "marceline@example.org" in message["To"]


def test_notifications_can_compose_place_created():
    from services.notifications import compose

    message = compose.place_created_message(
        envelope("directory", "place_created")["data"],
        to="coordination@maillage.example",
        mail_from="Maillage <ne-pas-repondre@maillage.example>",
        public_url="https://maillage.example",
    )
    assert isinstance(message, EmailMessage)
    assert "La Grange numérique" in message["Subject"]


def test_booking_remember_place_reads_only_place_created_fields():
    from services.booking.projections import remember_place

    read = set(DATA_KEY_RE.findall(inspect.getsource(remember_place)))
    assert read, "the key scan found nothing in remember_place"
    assert read <= set(EVENTS["directory"]["place_created"].model_fields), read


# --- docs/events.md cannot drift --------------------------------------------------------------
def test_the_doc_describes_the_envelope():
    text = EVENTS_DOC.read_text(encoding="utf-8")
    for key in ENVELOPE_KEYS:
        assert f"`{key}`" in text, f"docs/events.md does not describe envelope key {key!r}"


@pytest.mark.parametrize("source, event_type", DECLARED)
def test_the_doc_describes_every_field(source, event_type):
    section = doc_section(event_type)
    assert f"`{source}`" in section, f"the {event_type} section does not name its source"
    for path in field_paths(EVENTS[source][event_type]):
        assert f"| `{path}` |" in section, f"docs/events.md: {event_type} lacks field `{path}`"


@pytest.mark.parametrize("source, event_type", DECLARED)
def test_the_doc_example_is_valid(source, event_type):
    blocks = re.findall(r"```json\n(.*?)```", doc_section(event_type), re.S)
    assert blocks, f"docs/events.md: {event_type} has no JSON example"
    EVENTS[source][event_type].model_validate(json.loads(blocks[0]))


@pytest.mark.parametrize("consumer", CONSUMERS, ids=lambda c: c.queue)
def test_the_doc_lists_every_consumer(consumer):
    assert f"`{consumer.service}.{consumer.method}`" in doc_section(consumer.event_type)
