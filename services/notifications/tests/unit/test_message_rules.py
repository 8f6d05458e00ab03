"""The rules of issue 11's "Messages", one by one: no reminder after a cancellation; a
restoration notifies; one's own cancellation and the place's are worded differently; a burst
of edits to one thing sends one message (coalescing); the place in the footer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from services.notifications import coalesce, commands, compose, lifecycle, places
from services.notifications.models import Delivery
from services.notifications.tests.samples import message
from tests.samples import BOOKING_CONFIRMED

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
    coordinator_email="coord@example.org",
)
KW = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
BOOKING = BOOKING_CONFIRMED["booking_id"]


def event(kind: str, data: dict, second: int, event_id: str | None = None) -> dict:
    return {
        "event_id": event_id or f"{kind}-{second}",
        "type": kind,
        "occurred_at": f"2026-11-20T10:00:{second:02d}+00:00",
        "data": data,
    }


def cancelled(second: int, by: str = "owner", **extra) -> dict:
    data = {**BOOKING_CONFIRMED, "cancelled_by": by, "sequence": 1, **extra}
    return event("booking_cancelled", data, second)


def statuses(kind: str) -> list[str]:
    return [d.status for d in Delivery.objects(kind=kind).order_by("created_at")]


# -- no reminder after a cancellation -------------------------------------------------------------
def test_a_reminder_waiting_in_the_outbox_is_superseded_by_the_cancellation():
    reminder = event("booking_reminder_due", BOOKING_CONFIRMED, 1)
    assert commands.notify_booking_reminder(SETTINGS, reminder) is True
    assert statuses("booking_reminder") == ["pending"]
    commands.notify_booking_cancelled(SETTINGS, cancelled(2))
    assert statuses("booking_reminder") == ["superseded"]
    assert Delivery.objects.get(kind="booking_reminder").reason == "booking cancelled"


def test_a_reminder_arriving_after_the_cancellation_is_not_recorded():
    commands.notify_booking_cancelled(SETTINGS, cancelled(2))
    late = event("booking_reminder_due", BOOKING_CONFIRMED, 1)
    assert commands.notify_booking_reminder(SETTINGS, late) is False
    assert statuses("booking_reminder") == []


def test_a_reminder_being_sent_is_left_to_the_sender():
    commands.notify_booking_reminder(SETTINGS, event("booking_reminder_due", BOOKING_CONFIRMED, 1))
    Delivery.objects(kind="booking_reminder").update(set__status=Delivery.SENDING)
    commands.notify_booking_cancelled(SETTINGS, cancelled(2))
    assert statuses("booking_reminder") == ["sending"]  # only a pending one is superseded


def test_after_a_restoration_reminders_go_again():
    commands.notify_booking_cancelled(SETTINGS, cancelled(2))
    restored = event("booking_restored", {**BOOKING_CONFIRMED, "sequence": 2}, 3)
    assert commands.notify_booking_restored(SETTINGS, restored) is True
    reminder = event("booking_reminder_due", BOOKING_CONFIRMED, 4)
    assert commands.notify_booking_reminder(SETTINGS, reminder) is True
    assert lifecycle.is_cancelled(BOOKING) is False


def test_an_older_cancellation_arriving_late_does_not_undo_a_restoration():
    restored = event("booking_restored", {**BOOKING_CONFIRMED, "sequence": 2}, 3)
    commands.notify_booking_restored(SETTINGS, restored)
    commands.notify_booking_cancelled(SETTINGS, cancelled(2))
    assert lifecycle.is_cancelled(BOOKING) is False
    reminder = event("booking_reminder_due", BOOKING_CONFIRMED, 4)
    assert commands.notify_booking_reminder(SETTINGS, reminder) is True


def test_a_reminder_recorded_while_the_cancellation_was_handled_supersedes_itself():
    # The cancellation's state was written between the reminder's check and its record.
    real = lifecycle.is_cancelled
    calls = []

    def racing(booking_id):
        calls.append(booking_id)
        if len(calls) == 1:
            lifecycle.keep_state(cancelled(2), lifecycle.CANCELLED)
            return False
        return real(booking_id)

    lifecycle.is_cancelled = racing
    try:
        reminder = event("booking_reminder_due", BOOKING_CONFIRMED, 1)
        assert commands.notify_booking_reminder(SETTINGS, reminder) is False
    finally:
        lifecycle.is_cancelled = real
    assert statuses("booking_reminder") == ["superseded"]


# -- a restoration notifies ------------------------------------------------------------------
def test_a_restoration_tells_the_person_with_the_invitation_back():
    restored = event("booking_restored", {**BOOKING_CONFIRMED, "sequence": 2}, 3)
    assert commands.notify_booking_restored(SETTINGS, restored) is True
    delivery = Delivery.objects.get(kind="booking_restored")
    assert delivery.status == "pending" and delivery.subject.startswith("Réservation rétablie")
    assert b'method="REQUEST"' in delivery.raw or b"method=REQUEST" in delivery.raw


# -- one's own cancellation and the place's ------------------------------------------------------
def test_one_s_own_cancellation_is_an_acknowledgement():
    built = compose.booking_cancelled_message(cancelled(1)["data"], **KW)
    text = built.get_body(("plain",)).get_content()
    assert built["Subject"] == "Réservation annulée : Salle de réunion, le mardi 1 décembre 2026"
    assert "Vous avez annulé votre réservation : c'est bien noté." in text
    assert "Le lieu" not in text and "désolés" not in text


def test_the_place_s_cancellation_says_it_is_the_place_s_and_why():
    data = cancelled(1, by="staff", reason="Dégât des eaux")["data"]
    built = compose.booking_cancelled_message(data, **KW)
    text = built.get_body(("plain",)).get_content()
    # The subject names the booking as for her own (what mail is filtered and sorted by).
    assert built["Subject"] == "Réservation annulée : Salle de réunion, le mardi 1 décembre 2026"
    assert "Le lieu a dû annuler votre réservation, et nous en sommes désolés." in text
    assert "Son message : « Dégât des eaux »" in text
    assert "Vous avez annulé" not in text
    english = compose.booking_cancelled_message({**data, "language": "en"}, **KW)
    assert "The place had to cancel your booking" in english.get_body(("plain",)).get_content()


def test_one_s_own_cancellation_answers_them_the_place_s_is_news():
    commands.notify_booking_cancelled(SETTINGS, cancelled(1))
    commands.notify_booking_cancelled(SETTINGS, {**cancelled(2, by="staff"), "event_id": "x"})
    topics = {d.event_id: d.topic for d in Delivery.objects(kind="booking_cancelled")}
    assert topics == {"booking_cancelled-1": "transactional", "x": "bookings"}


# -- a burst of edits sends one message ------------------------------------------------------
def edit(second: int, now: datetime, to: str = "marceline@example.org") -> bool:
    return coalesce.record(
        commands.record,
        event("meeting_moved", {}, second),
        "meeting_moved",
        message(to),
        "meeting:m1",
        time_us=second,
        topic="clubs",
        now=now,
    )


def test_a_burst_of_edits_leaves_one_pending_the_latest_due_after_the_window():
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert edit(1, now) is True
    assert edit(2, now + timedelta(minutes=1)) is True
    assert edit(3, now + timedelta(minutes=2)) is True
    rows = {d.event_id: d for d in Delivery.objects(kind="meeting_moved")}
    assert {k: d.status for k, d in rows.items()} == {
        "meeting_moved-1": "superseded",
        "meeting_moved-2": "superseded",
        "meeting_moved-3": "pending",
    }
    due = rows["meeting_moved-3"].next_attempt_at.replace(tzinfo=UTC)
    assert due >= now + timedelta(minutes=2) + coalesce.DEFAULT_WINDOW - timedelta(seconds=1)


def test_an_older_edit_handled_late_is_superseded_itself():
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    edit(5, now)
    assert edit(4, now) is False
    assert Delivery.objects.get(event_id="meeting_moved-4").status == "superseded"
    assert Delivery.objects.get(event_id="meeting_moved-5").status == "pending"


def test_an_edit_already_sent_stays_sent_and_the_next_one_goes_too():
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    edit(1, now)
    Delivery.objects(event_id="meeting_moved-1").update(set__status=Delivery.SENT)
    assert edit(2, now + timedelta(minutes=10)) is True
    assert Delivery.objects.get(event_id="meeting_moved-1").status == "sent"


def test_each_person_gets_their_own_latest_edit():
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    edit(1, now)
    edit(2, now, to="thierry@example.org")
    assert sorted(d.status for d in Delivery.objects(kind="meeting_moved")) == [
        "pending",
        "pending",
    ]


def test_a_redelivered_edit_records_nothing_more():
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    edit(1, now)
    assert edit(1, now) is False
    assert Delivery.objects(kind="meeting_moved").count() == 1


# -- the place in the footer ----------------------------------------------------------------------
def place_event(second: int, **data) -> dict:
    base = {
        "place_id": BOOKING_CONFIRMED["place_id"],
        "name": "La Grange numérique",
        "commune": "Riez",
        "postal_code": "04500",
    }
    return event("place_created", {**base, **data}, second)


def test_the_place_s_name_address_and_contact_close_its_emails():
    places.keep_place(
        place_event(
            1, address="2 rue du Lavoir", email="bonjour@grange.example", phone="04 92 00 00 00"
        )
    )
    data = places.with_card(BOOKING_CONFIRMED)
    built = compose.booking_confirmed_message(data, **KW)
    text = built.get_body(("plain",)).get_content()
    assert "La Grange numérique\n2 rue du Lavoir, 04500 Riez\n" in text
    assert "Contact : bonjour@grange.example · 04 92 00 00 00" in text
    assert "2 rue du Lavoir, 04500 Riez" in built.get_body(("html",)).get_content()


def test_an_unknown_place_has_no_footer_and_the_email_goes():
    built = compose.booking_confirmed_message(places.with_card(BOOKING_CONFIRMED), **KW)
    assert "Contact :" not in built.get_body(("plain",)).get_content()


def test_an_older_place_event_arriving_late_changes_nothing():
    places.keep_place(place_event(2, name="La Grange"))
    assert places.keep_place(place_event(1, name="Ancien nom")) is False
    assert places.card(BOOKING_CONFIRMED["place_id"])["name"] == "La Grange"
