"""An organiser tries three times for a workshop within minutes: each participant gets one
email, the last times, with the invitation at the last sequence (real broker, SecantusDB,
SMTP sink). The window is shortened to seconds for the test."""

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


def test_three_moves_in_a_row_send_each_participant_one_email_with_the_last_times(
    notifications, smtp_server, territory, db
):
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
