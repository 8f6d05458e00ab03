"""The place cancels, then restores: two emails worded for what happened, the restoration
with an invitation that replaces the cancellation, and reminders allowed again (real broker,
SecantusDB, SMTP sink)."""

from __future__ import annotations

from icalendar import Calendar
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.notifications.tests.service.helpers import handled
from services.notifications.tests.service.test_preferences_service import BOOKING, REMINDER
from tests.support import wait_until


def publish(territory: str, kind: str, **data) -> None:
    event_dispatcher()("booking", kind, make_event("booking", kind, data, territory=territory))


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_cancelled_by_the_place_then_restored_then_reminded(
    notifications, smtp_server, territory, rpc_client, operator
):
    booking = {**BOOKING, "booking_id": "b6"}
    publish(
        territory,
        "booking_cancelled",
        **booking,
        cancelled_by="staff",
        sequence=1,
        reason="Dégât des eaux",
    )
    [cancelled] = wait_until(lambda: smtp_server.messages())
    assert "Le lieu a dû annuler votre réservation" in text_of(cancelled)
    assert "« Dégât des eaux »" in text_of(cancelled)

    publish(territory, "booking_restored", **booking, sequence=2, restored_by="m-staff")
    wait_until(lambda: len(smtp_server.messages()) == 2)
    [restored] = [m for m in smtp_server.messages() if "rétablie" in str(m["Subject"])]
    assert "Votre réservation est rétablie." in text_of(restored)
    [ics] = [p for p in restored.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(ics.get_payload(decode=True))
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert str(calendar["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 2

    before = handled("on_booking_reminder_due")
    publish(territory, "booking_reminder_due", **booking, **REMINDER)
    wait_until(lambda: handled("on_booking_reminder_due") >= before + 1)
    wait_until(lambda: len(smtp_server.messages()) == 3)  # restored: the reminder goes
    kinds = sorted(d["kind"] for d in operator.notifications.deliveries(10))
    assert kinds == ["booking_cancelled", "booking_reminder", "booking_restored"]
