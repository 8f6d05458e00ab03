"""Bursts of changes to one gathering, through the real broker, SecantusDB and SMTP sink: an
organiser tries three times for a workshop within minutes, and each participant gets one
email, the last times, with the invitation at the last sequence; a club's meeting moved then
cancelled sends each member the cancellation only. The window is shortened to seconds."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.notifications.tests.service.helpers import handled
from tests.support import wait_until

WINDOW_SECONDS = 8.0  # the three events are handled well within it, even on a loaded machine
PEOPLE = {
    "m-anne": ("anne@example.org", "Anne Martin", "fr"),
    "m-bruno": ("bruno@example.org", "Bruno Petit", "en"),
}
WORKSHOP = {
    "workshop_id": "w-moves",
    "place_id": "p1",
    "place_name": "Tiers-lieu de Riez",
    "title": "Atelier compost",
    "timezone": "Europe/Paris",
    "capacity": 12,
    "changed": ["end", "start"],
    "participants": sorted(PEOPLE),
}


@pytest.fixture(autouse=True)
def short_window(service_config):
    service_config["MAILLAGE"].update(email_edit_window_seconds=WINDOW_SECONDS)


def register_people(territory: str):
    """The members' contacts, as the gateway announces them; the dispatcher, for more."""
    dispatch = event_dispatcher()
    before = handled("on_member_registered")
    for member_id, (email, name, language) in PEOPLE.items():
        data = {"member_id": member_id, "email": email, "name": name, "language": language}
        dispatch(
            "gateway",
            "member_registered",
            make_event("gateway", "member_registered", data, territory=territory),
        )
    wait_until(lambda: handled("on_member_registered") >= before + 2)
    return dispatch


def test_three_moves_in_a_row_send_each_participant_one_email_with_the_last_times(
    notifications, smtp_server, territory, db
):
    dispatch = register_people(territory)

    before = handled("on_workshop_updated")
    for sequence in (1, 2, 3):
        times = {
            "start": f"2026-12-03T{8 + sequence:02d}:00:00+01:00",
            "end": f"2026-12-03T{10 + sequence:02d}:00:00+01:00",
        }
        data = {**WORKSHOP, **times, "sequence": sequence}
        dispatch(
            "clubs",
            "workshop_updated",
            make_event("clubs", "workshop_updated", data, territory=territory),
        )
    wait_until(lambda: handled("on_workshop_updated") >= before + 3)

    messages = wait_until(
        lambda: len(smtp_server.messages()) >= 2 and smtp_server.messages(),
        timeout=WINDOW_SECONDS + 20,
    )
    rows = list(db.deliveries.find({"kind": "workshop_moved"}))
    wait_until(
        lambda: (
            sorted(r["status"] for r in db.deliveries.find({"kind": "workshop_moved"}))
            == ["sent"] * 2 + ["superseded"] * 4
        )
    )
    assert len(rows) == 6
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == [
        "anne@example.org",
        "bruno@example.org",
    ]
    for message in messages:
        [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        calendar = Calendar.from_ical(part.get_payload(decode=True))
        [vevent] = [c for c in calendar.walk() if c.name == "VEVENT"]
        assert int(vevent["SEQUENCE"]) == 3
        assert vevent.decoded("DTSTART").hour == 10  # 11:00 in Paris, the last times, in UTC
    anne = next(m for m in messages if "anne" in str(m["To"]))
    assert str(anne["Subject"]).startswith("Nouvel horaire : Atelier compost")


def test_a_meeting_moved_then_cancelled_sends_each_member_the_cancellation_only(
    notifications, smtp_server, territory, db
):
    dispatch = register_people(territory)
    meeting = {
        "occurrence_id": "s1:2026-12-03",
        "series_id": "s1",
        "club_id": "c1",
        "club_name": "Club des hôtes",
        "place_id": "p1",
        "title": "Réunion du club",
        "start": "2026-12-10T09:00:00+01:00",
        "end": "2026-12-10T12:00:00+01:00",
        "member_ids": sorted(PEOPLE),
    }
    before = handled("on_meeting_moved") + handled("on_meeting_cancelled")
    moved = {
        **meeting,
        "sequence": 2,
        "previous_start": "2026-12-03T09:00:00+01:00",
        "previous_end": "2026-12-03T12:00:00+01:00",
    }
    dispatch("clubs", "meeting_moved", make_event("clubs", "meeting_moved", moved, territory))
    cancelled = {**meeting, "sequence": 3}
    dispatch(
        "clubs", "meeting_cancelled", make_event("clubs", "meeting_cancelled", cancelled, territory)
    )
    wait_until(lambda: handled("on_meeting_moved") + handled("on_meeting_cancelled") >= before + 2)
    wait_until(
        lambda: (
            sorted((r["kind"], r["status"]) for r in db.deliveries.find())
            == [("meeting_cancelled", "sent")] * 2 + [("meeting_moved", "superseded")] * 2
        ),
        timeout=WINDOW_SECONDS + 20,
    )
    messages = smtp_server.messages()
    assert len(messages) == 2
    assert all(
        str(m["Subject"]).startswith(("Réunion annulée", "Meeting cancelled")) for m in messages
    )
