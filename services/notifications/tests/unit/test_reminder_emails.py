"""The reminder before a booking (``booking_reminder_due``) and the email of a booking the
place restored (``booking_restored``): in the booking's language, text and HTML, with the
unsubscribe rules of the other booking emails; the restoration's ``.ics`` REQUEST replaces
the cancellation (same UID, higher SEQUENCE)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.notifications import commands, compose
from services.notifications.models import Delivery
from services.notifications.tests.unit.test_cancellation import CANCELLED, calendar_of
from services.notifications.tests.unit.test_compose import APPOINTMENT
from tests.samples import BOOKING_CONFIRMED

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
KW = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
REMINDER = {**BOOKING_CONFIRMED, "remind_at": "2026-11-30T08:00:00+00:00", "hours_before": 24}
RESTORED = {**BOOKING_CONFIRMED, "sequence": 2, "restored_by": "m-1"}


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_the_reminder_says_what_where_when_and_how_to_cancel():
    message = compose.booking_reminder_message(REMINDER, **KW)
    assert message["Subject"] == "Rappel : Salle de réunion, le mardi 1 décembre 2026 à 09:00"
    text, html = parts(message)
    for part in (text, html):
        assert "Salle de réunion" in part and "La Grange numérique" in part
        assert "mardi 1 décembre 2026, de 09:00 à 10:00" in part
        assert "https://maillage.example/mes-reservations" in part
    assert "Quoi : Salle de réunion" in text and "Où : La Grange numérique" in text
    assert "Annulez depuis vos réservations" in text
    assert list(message.iter_attachments()) == []  # the invitation is in the calendar already


def test_the_reminder_in_english():
    message = compose.booking_reminder_message({**REMINDER, "language": "en"}, **KW)
    assert message["Subject"] == ("Reminder: Salle de réunion on Tuesday, 1 December 2026 at 09:00")
    assert message["Content-Language"] == "en"
    text, html = parts(message)
    assert "Cancel it from your bookings" in text and "Annulez" not in text
    assert '<html lang="en">' in html


def test_the_reminder_of_an_appointment_shows_its_motif_and_mode():
    data = {**REMINDER, "appointment": APPOINTMENT}
    message = compose.booking_reminder_message(data, **KW)
    assert message["Subject"] == (
        "Rappel : rendez-vous Démarches en ligne, le mardi 1 décembre 2026 à 09:00"
    )
    text, html = parts(message)
    assert "Rendez-vous : Démarches en ligne, avec Paul (Aide numérique)" in text
    assert "Par téléphone : l'agent vous appellera au 04 92 77 00 00." in text
    assert "Préparez vos identifiants France Connect." in text
    assert "Places réservées" not in text and "Places réservées" not in html
    in_person = {**data, "appointment": {**APPOINTMENT, "mode": "in_person"}}
    assert "Sur place." in parts(compose.booking_reminder_message(in_person, **KW))[0]


@pytest.mark.parametrize(
    "build", [compose.booking_reminder_message, compose.booking_restored_message]
)
def test_both_carry_the_unsubscribe_headers_of_the_other_booking_emails(build):
    data = {**REMINDER, **RESTORED}
    message = build(data, **KW, unsubscribe_token="tok")
    url = (
        "https://maillage.example/unsubscribe?email=marceline%40example.org&token=tok&kind=bookings"
    )
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url.replace("&", "&amp;") in parts(message)[1] or url in parts(message)[1]


def test_the_restoration_says_so_and_its_invitation_replaces_the_cancellation():
    message = compose.booking_restored_message(RESTORED, **KW)
    assert message["Subject"] == "Réservation rétablie : Salle de réunion, le mardi 1 décembre 2026"
    text, html = parts(message)
    assert "Votre réservation est rétablie." in text and "Votre réservation est rétablie." in html
    _, attachment, calendar, request = calendar_of(message.as_bytes())
    _, _, _, cancel = calendar_of(compose.booking_cancelled_message(CANCELLED, **KW).as_bytes())
    assert attachment.get_param("method") == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert request["STATUS"] == "CONFIRMED"
    assert request["UID"] == cancel["UID"]
    assert int(request["SEQUENCE"]) == 2 > int(cancel["SEQUENCE"])


def test_the_restoration_in_english():
    message = compose.booking_restored_message({**RESTORED, "language": "en"}, **KW)
    assert message["Subject"] == "Booking restored: Salle de réunion on Tuesday, 1 December 2026"
    assert "Your booking is restored." in parts(message)[0]


def test_each_recorded_once_per_event_and_none_without_an_email():
    reminder = {"event_id": "r1", "type": "booking_reminder_due", "data": REMINDER}
    restored = {"event_id": "r2", "type": "booking_restored", "data": RESTORED}
    assert commands.notify_booking_reminder(SETTINGS, reminder) is True
    assert commands.notify_booking_reminder(SETTINGS, reminder) is False  # redelivered
    assert commands.notify_booking_restored(SETTINGS, restored) is True
    by_phone = {"event_id": "r3", "data": {**REMINDER, "email": None}}
    assert commands.notify_booking_reminder(SETTINGS, by_phone) is False
    kinds = sorted(d.kind for d in Delivery.objects)
    assert kinds == ["booking_reminder", "booking_restored"]
