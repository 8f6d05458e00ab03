"""A club's meeting moved or cancelled (clubs' ``meeting_moved`` / ``meeting_cancelled``):
each member named is told once, in their language, with the ``.ics`` that moves or removes
it; moved then cancelled within minutes, only the cancellation goes. Against mongomock."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

from services.notifications import commands, preferences
from services.notifications.models import Delivery
from tests.contracts.test_events import SAMPLES

from .test_commands import SETTINGS
from .test_workshop_emails import calendar_of, contacts

MOVED = {**SAMPLES["clubs", "meeting_moved"], "club_name": "Club des hôtes"}
PEOPLE = ["m-anne", "m-bruno"]


def changed(kind: str, minute: int, n: int, **data) -> dict:
    return {
        "event_id": f"{kind}-{n}",
        "type": kind,
        "occurred_at": f"2026-11-20T10:{minute:02d}:00+00:00",
        "data": {**MOVED, "member_ids": PEOPLE, **data},
    }


def going() -> dict:
    parser = BytesParser(policy=policy.default)
    return {
        d.rcpt: parser.parsebytes(d.raw)
        for d in Delivery.objects(status="pending")
        if d.kind.startswith("meeting_")
    }


def test_a_moved_meeting_tells_each_member_before_and_now_with_the_updated_invitation():
    contacts()
    assert commands.meeting_changed(SETTINGS, changed("meeting_moved", 0, 1)) == 2
    emails = going()
    anne, bruno = emails["anne@example.org"], emails["bruno@example.org"]
    assert anne["Subject"].startswith("Réunion déplacée : Réunion du club des hôtes")
    text = anne.get_body(("plain",)).get_content()
    assert "du club « Club des hôtes »" in text
    assert "Avant : jeudi 3 décembre 2026, de 09:00 à 12:00" in text
    assert "Désormais : jeudi 10 décembre 2026, de 09:00 à 12:00" in text
    assert bruno["Subject"].startswith("Meeting moved: Réunion du club des hôtes")
    ics = calendar_of(anne)
    assert "METHOD:REQUEST" in ics and "SEQUENCE:2" in ics
    assert "UID:meeting-6650c0ffee0000000000c001:2026-12-03@maillage" in ics
    assert {d.topic for d in Delivery.objects} == {"clubs"}
    link = str(anne["List-Unsubscribe"]).strip("<>")
    assert parse_qs(urlsplit(link).query)["kind"] == ["clubs"]


def test_moved_twice_then_cancelled_within_minutes_sends_only_the_cancellation():
    contacts()
    commands.meeting_changed(SETTINGS, changed("meeting_moved", 0, 1, sequence=1))
    commands.meeting_changed(SETTINGS, changed("meeting_moved", 1, 2, sequence=2))
    commands.meeting_changed(SETTINGS, changed("meeting_cancelled", 2, 3, sequence=3))
    statuses = sorted((d.address, d.kind, d.status) for d in Delivery.objects)
    assert statuses == [
        ("anne@example.org", "meeting_cancelled", "pending"),
        ("anne@example.org", "meeting_moved", "superseded"),
        ("anne@example.org", "meeting_moved", "superseded"),
        ("bruno@example.org", "meeting_cancelled", "pending"),
        ("bruno@example.org", "meeting_moved", "superseded"),
        ("bruno@example.org", "meeting_moved", "superseded"),
    ]
    anne = going()["anne@example.org"]
    assert anne["Subject"].startswith("Réunion annulée : Réunion du club des hôtes")
    assert "n'aura pas lieu" in anne.get_body(("plain",)).get_content()
    ics = calendar_of(anne)
    assert "METHOD:CANCEL" in ics and "SEQUENCE:4" in ics


def test_nobody_named_or_known_is_told_and_a_member_who_stopped_clubs_gets_nothing():
    contacts()
    assert commands.meeting_changed(SETTINGS, changed("meeting_moved", 0, 1, member_ids=[])) == 0
    unknown = changed("meeting_moved", 0, 2, member_ids=["m-nobody"])
    assert commands.meeting_changed(SETTINGS, unknown) == 0
    preferences.stop_kind("bruno@example.org", "clubs")
    assert commands.meeting_changed(SETTINGS, changed("meeting_cancelled", 0, 3)) == 1
    held = Delivery.objects.get(address="bruno@example.org")
    assert (held.status, held.reason) == ("suppressed", "kind turned off: clubs")


def test_a_redelivered_change_records_nothing_more():
    contacts()
    event = changed("meeting_cancelled", 0, 1)
    assert commands.meeting_changed(SETTINGS, event) == 2
    assert commands.meeting_changed(SETTINGS, event) == 0
    assert Delivery.objects.count() == 2
