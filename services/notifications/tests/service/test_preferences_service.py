"""Preferences per kind and the message rules through the real service: events from the
broker, SecantusDB, emails read back from the SMTP sink."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.notifications.tests.service.helpers import handled
from tests.samples import PLACE
from tests.support import wait_until

BOOKING = {
    "booking_id": "b1",
    "resource_id": "r1",
    "resource_name": "Permanence d'aide numérique",
    "place_id": "p-riez",
    "place_name": "Tiers-lieu de Riez",
    "start": "2026-12-01T09:00:00+01:00",
    "end": "2026-12-01T09:30:00+01:00",
    "seats": 1,
    "name": "Marceline",
    "email": "marceline@example.org",
    "language": "fr",
}
REMINDER = {"remind_at": "2026-11-29T08:00:00+00:00", "hours_before": 48}


def publish(territory: str, kind: str, **data) -> None:
    source = "directory" if kind.startswith("place_") else "booking"
    event_dispatcher()(source, kind, make_event(source, kind, data, territory=territory))


def kinds_sent(smtp_server) -> list[str]:
    return [m["Subject"] for m in smtp_server.messages()]


def test_a_kind_turned_off_by_the_link_stops_reminders_not_what_she_asks_for(
    notifications, smtp_server, territory, rpc_client, operator
):
    publish(territory, "booking_confirmed", **BOOKING)
    [first] = wait_until(lambda: smtp_server.messages())
    link = first["List-Unsubscribe"].strip("<>")
    query = parse_qs(urlsplit(link).query)
    assert query["kind"] == ["bookings"]
    email, token = query["email"][0], query["token"][0]

    shown = rpc_client.notifications.email_preferences(email, token)
    assert shown["kinds"]["bookings"] is True and shown["kinds"]["digests"] is False
    # The one-click of that email: the booking messages she did not ask for stop.
    assert rpc_client.notifications.unsubscribe(email, token, "bookings")["kind"] == "bookings"

    before = handled("on_booking_reminder_due")
    publish(territory, "booking_reminder_due", **BOOKING, **REMINDER)
    wait_until(lambda: handled("on_booking_reminder_due") >= before + 1)
    # Her next booking's confirmation: what she asked for comes anyway (the later signal).
    publish(territory, "booking_confirmed", **{**BOOKING, "booking_id": "b2"})
    wait_until(lambda: len(smtp_server.messages()) == 2)
    reminders = [
        d for d in operator.notifications.deliveries(20) if d["kind"] == "booking_reminder"
    ]
    assert [(d["status"], d["reason"], d["topic"]) for d in reminders] == [
        ("suppressed", "kind turned off: bookings", "bookings")
    ]
    assert not any("Rappel" in subject for subject in kinds_sent(smtp_server))

    # She turns them on again from the preferences page (the same link's token).
    again = rpc_client.notifications.set_email_preferences(email, token, {"bookings": True}, "k1")
    assert again["kinds"]["bookings"] is True
    rpc_client.notifications.set_email_preferences(email, token, {"clubs": False}, "k2")
    rpc_client.notifications.set_email_preferences(email, token, {"clubs": True}, "k3")
    # The second request retried (its answer lost): not applied again over the later change,
    # on the real database too (the upsert meets the _id and is refused).
    retried = rpc_client.notifications.set_email_preferences(email, token, {"clubs": False}, "k2")
    assert retried["kinds"]["clubs"] is True


def test_no_reminder_after_a_cancellation_even_when_it_arrives_late(
    notifications, smtp_server, territory, rpc_client, operator
):
    cancelled = {**BOOKING, "booking_id": "b3", "cancelled_by": "owner", "sequence": 1}
    publish(territory, "booking_cancelled", **cancelled)
    [cancellation] = wait_until(lambda: smtp_server.messages())
    assert "Vous avez annulé votre réservation" in cancellation.get_body(("plain",)).get_content()

    before = handled("on_booking_reminder_due")
    publish(territory, "booking_reminder_due", **{**BOOKING, "booking_id": "b3"}, **REMINDER)
    wait_until(lambda: handled("on_booking_reminder_due") >= before + 1)
    # A later marker: the sender has gone round since (a reminder would have been recorded
    # before this one, and sent in the same or an earlier round).
    publish(territory, "booking_confirmed", **{**BOOKING, "booking_id": "b4"})
    wait_until(lambda: len(smtp_server.messages()) == 2)
    assert [
        d for d in operator.notifications.deliveries(20) if d["kind"] == "booking_reminder"
    ] == []


def test_the_place_s_card_closes_its_booking_emails(
    notifications, smtp_server, territory, rpc_client
):
    before = handled("on_place_created")
    place = {**PLACE, "place_id": "p-riez", "name": "Tiers-lieu de Riez"}
    publish(territory, "place_created", **place)
    wait_until(lambda: handled("on_place_created") >= before + 1)
    publish(
        territory, "booking_confirmed", **{**BOOKING, "booking_id": "b5", "email": "t@example.org"}
    )
    message = wait_until(
        lambda: [
            m for m in smtp_server.messages() if m["To"].addresses[0].addr_spec == "t@example.org"
        ]
    )[0]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "--\nTiers-lieu de Riez\n04500 Riez\n" in text
    assert "Choisir les messages que vous recevez : " in text


def test_a_burst_of_edits_handled_at_once_leaves_one_message_to_send(notifications, db):
    """Six edits of one meeting recorded concurrently (green threads on the real database):
    exactly one stays pending, the latest; the others are superseded."""
    import eventlet

    from services.notifications import coalesce, commands
    from services.notifications.tests.samples import message

    def edit(n: int) -> None:
        event = {"event_id": f"edit-{n}", "type": "meeting_moved", "data": {}}
        coalesce.record(
            commands.record,
            event,
            "meeting_moved",
            message(),
            "meeting:m1",
            time_us=n,
            topic="clubs",
        )

    pool = eventlet.GreenPool()
    for n in range(1, 7):
        pool.spawn(edit, n)
    pool.waitall()
    rows = {d["event_id"]: d["status"] for d in db.deliveries.find({"kind": "meeting_moved"})}
    assert len(rows) == 6
    assert [k for k, status in rows.items() if status == "pending"] == ["edit-6"]
    assert sorted(rows.values()).count("superseded") == 5
