"""Workshops' and events' emails (clubs' ``rsvp_*`` and ``workshop_*``) against mongomock:
who is told, in their language, with which words and which ``.ics``."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

from services.notifications import commands
from services.notifications.models import Delivery

from .test_commands import SETTINGS

WORKSHOP = {
    "workshop_id": "w1",
    "club_id": None,
    "place_id": "p1",
    "place_name": "Tiers-lieu de Riez",
    "title": "Atelier compost",
    "start": "2026-12-03T09:00:00+01:00",
    "end": "2026-12-03T12:00:00+01:00",
    "timezone": "Europe/Paris",
}
PEOPLE = {
    "m-anne": ("anne@example.org", "Anne Martin", "fr"),
    "m-bruno": ("bruno@example.org", "Bruno Petit", "en"),
    "m-celine": ("celine@example.org", "Céline Roux", "fr"),
}
_ids = iter(range(1, 10_000))


def contacts() -> None:
    for member_id, (email, name, language) in PEOPLE.items():
        commands.keep_contact(
            {
                "event_id": f"c-{member_id}",
                "type": "member_registered",
                "occurred_at": "2026-11-01T10:00:00+00:00",
                "data": {
                    "member_id": member_id,
                    "email": email,
                    "name": name,
                    "language": language,
                },
            }
        )


def event(kind: str, **data) -> dict:
    return {"event_id": f"e{next(_ids)}", "type": kind, "data": {**WORKSHOP, **data}}


def sent(kind: str) -> dict:
    """Each recipient's parsed email of this kind."""
    parser = BytesParser(policy=policy.default)
    return {d.rcpt: parser.parsebytes(d.raw) for d in Delivery.objects(kind=kind)}


def calendar_of(message) -> str | None:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return part.get_content()
    return None


def test_a_seat_comes_with_the_invitation_in_the_members_language():
    contacts()
    rsvp = {"rsvp_id": "r1", "language": "fr"}
    assert commands.notify_workshop(SETTINGS, event("rsvp_confirmed", member_id="m-anne", **rsvp))
    assert commands.notify_workshop(SETTINGS, event("rsvp_promoted", member_id="m-bruno", **rsvp))
    [anne] = sent("rsvp_confirmed").values()
    assert anne["Subject"].startswith("Inscription confirmée : Atelier compost")
    assert "UID:workshop-w1@maillage" in calendar_of(anne)
    assert "METHOD:REQUEST" in calendar_of(anne)
    [bruno] = sent("rsvp_promoted").values()
    assert "A place freed up for you: Atelier compost" in bruno["Subject"]
    assert "from 09:00 to 12:00" in bruno.get_body(("plain",)).get_content()  # local time


def test_the_waitlist_email_has_the_position_and_no_invitation():
    contacts()
    commands.notify_workshop(
        SETTINGS, event("rsvp_waitlisted", member_id="m-celine", rsvp_id="r2", position=3)
    )
    [celine] = sent("rsvp_waitlisted").values()
    assert "position 3" in celine.get_body(("plain",)).get_content()
    assert calendar_of(celine) is None


def test_a_cancellation_is_worded_after_its_reason_and_cancels_the_participants_invitation():
    contacts()
    common = {"participants": ["m-anne"], "waitlisted": ["m-celine"], "min_participants": 5}
    by_organiser = event("workshop_cancelled", reason="organiser", taken=1, **common)
    assert commands.notify_workshop(SETTINGS, by_organiser) == 2
    emails = sent("workshop_cancelled")
    anne, celine = emails["anne@example.org"], emails["celine@example.org"]
    assert "L'organisateur a dû annuler" in anne.get_body(("plain",)).get_content()
    assert "METHOD:CANCEL" in calendar_of(anne)
    assert calendar_of(celine) is None  # never in her calendar
    assert "liste d'attente" in celine.get_body(("plain",)).get_content()
    Delivery.objects.delete()
    too_few = event("workshop_cancelled", reason="minimum_not_reached", taken=1, **common)
    commands.notify_workshop(SETTINGS, too_few)
    text = sent("workshop_cancelled")["anne@example.org"].get_body(("plain",)).get_content()
    assert "pas eu assez d'inscriptions" in text and "(1 pour 5 au minimum)" in text
    assert commands.notify_workshop(SETTINGS, too_few) == 0  # redelivered: nothing twice


def test_a_member_unknown_to_the_contacts_gets_nothing():
    assert (
        commands.notify_workshop(
            SETTINGS, event("workshop_confirmed", participants=["m-x"], taken=1)
        )
        == 0
    )


def moved(sequence: int, minute: int, participants=("m-anne", "m-bruno")) -> dict:
    """The organiser tries new times: sequence ``sequence``, at 10:``minute``."""
    start = f"2026-12-03T{8 + sequence:02d}:00:00+01:00"
    end = f"2026-12-03T{10 + sequence:02d}:00:00+01:00"
    made = event(
        "workshop_updated",
        changed=["end", "start"],
        capacity=12,
        sequence=sequence,
        participants=list(participants),
        start=start,
        end=end,
    )
    return {**made, "occurred_at": f"2026-11-20T10:{minute:02d}:00+00:00"}


def test_a_burst_of_moves_leaves_each_participant_one_email_the_latest_with_its_sequence():
    contacts()
    for sequence, minute in ((1, 0), (2, 1), (3, 2)):
        commands.notify_workshop(SETTINGS, moved(sequence, minute))
    rows = Delivery.objects(kind="workshop_moved")
    assert sorted((d.address, d.status) for d in rows) == [
        ("anne@example.org", "pending"),
        ("anne@example.org", "superseded"),
        ("anne@example.org", "superseded"),
        ("bruno@example.org", "pending"),
        ("bruno@example.org", "superseded"),
        ("bruno@example.org", "superseded"),
    ]
    parser = BytesParser(policy=policy.default)
    going = {d.rcpt: parser.parsebytes(d.raw) for d in rows if d.status == "pending"}
    anne, bruno = going["anne@example.org"], going["bruno@example.org"]
    assert anne["Subject"].startswith("Nouvel horaire : Atelier compost")
    assert "de 11:00 à 13:00" in anne.get_body(("plain",)).get_content()  # the latest times
    assert bruno["Subject"].startswith("New time: Atelier compost")
    ics = calendar_of(anne)
    assert "METHOD:REQUEST" in ics and "SEQUENCE:3" in ics and "UID:workshop-w1@maillage" in ics
    assert {d.topic for d in rows} == {"clubs"}


def test_a_move_handled_late_does_not_replace_the_newer_one():
    contacts()
    commands.notify_workshop(SETTINGS, moved(2, 5, participants=["m-anne"]))
    assert commands.notify_workshop(SETTINGS, moved(1, 4, participants=["m-anne"])) == 0
    [going] = [d for d in Delivery.objects(kind="workshop_moved") if d.status == "pending"]
    assert "SEQUENCE:2" in calendar_of(BytesParser(policy=policy.default).parsebytes(going.raw))


def test_a_change_that_keeps_the_times_tells_nobody():
    contacts()
    renamed = event("workshop_updated", changed=["capacity", "title"], capacity=20)
    assert commands.notify_workshop(SETTINGS, {**renamed, "participants": ["m-anne"]}) == 0
    assert Delivery.objects.count() == 0


def test_one_s_own_rsvp_is_asked_for_the_rest_is_club_news_and_its_link_stops_clubs():
    contacts()
    rsvp = {"rsvp_id": "r1", "language": "fr"}
    commands.notify_workshop(SETTINGS, event("rsvp_confirmed", member_id="m-anne", **rsvp))
    commands.notify_workshop(SETTINGS, event("rsvp_promoted", member_id="m-bruno", **rsvp))
    topics = {d.kind: d.topic for d in Delivery.objects}
    assert topics == {"rsvp_confirmed": "transactional", "rsvp_promoted": "clubs"}
    [anne] = sent("rsvp_confirmed").values()
    link = str(anne["List-Unsubscribe"]).strip("<>")
    assert parse_qs(urlsplit(link).query)["kind"] == ["clubs"]
