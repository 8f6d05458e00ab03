"""The cancellation email (``booking_cancelled``): in the booking's language, with the
``.ics`` METHOD:CANCEL that removes the confirmation's invitation (same UID, higher
SEQUENCE), recorded once as a Delivery like the other emails."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from types import SimpleNamespace

from icalendar import Calendar

from services.notifications import commands, compose
from services.notifications.models import Delivery
from tests.samples import BOOKING_CONFIRMED

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
CANCELLED = {**BOOKING_CONFIRMED, "cancelled_by": "owner", "sequence": 1}


def calendar_of(message) -> tuple:
    parsed = BytesParser(policy=policy.default).parsebytes(bytes(message))
    [attachment] = [p for p in parsed.iter_attachments()]
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = [c for c in calendar.walk() if c.name == "VEVENT"]
    return parsed, attachment, calendar, event


def test_the_cancellation_cancels_the_confirmation_s_invitation():
    kw = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
    confirmed = compose.booking_confirmed_message(BOOKING_CONFIRMED, **kw)
    cancelled = compose.booking_cancelled_message(CANCELLED, **kw)
    _, _, _, request = calendar_of(confirmed.as_bytes())
    parsed, attachment, calendar, cancel = calendar_of(cancelled.as_bytes())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL" and cancel["STATUS"] == "CANCELLED"
    assert cancel["UID"] == request["UID"] == f"booking-{CANCELLED['booking_id']}@maillage"
    assert int(cancel["SEQUENCE"]) > int(request["SEQUENCE"])
    assert cancel.decoded("DTSTART") == request.decoded("DTSTART")


def test_a_sequence_of_zero_still_goes_above_the_confirmation():
    message = compose.booking_cancelled_message(
        {**CANCELLED, "sequence": 0}, mail_from=SETTINGS.mail_from, public_url=SETTINGS.public_url
    )
    assert int(calendar_of(message.as_bytes())[3]["SEQUENCE"]) == 1


def test_in_french_by_default():
    subject, text, html = compose.render("booking_cancelled", "fr", CANCELLED)
    assert subject == "Réservation annulée : Salle de réunion, le mardi 1 décembre 2026"
    assert "Vous avez annulé votre réservation : c'est bien noté." in text
    assert "Quand : mardi 1 décembre 2026, de 09:00 à 10:00" in text
    assert "retirer ce rendez-vous de votre agenda" in text
    assert '<html lang="fr">' in html and "Vous avez annulé votre réservation</strong>" in html


def test_in_english():
    message = compose.booking_cancelled_message(
        {**CANCELLED, "language": "en"},
        mail_from=SETTINGS.mail_from,
        public_url=SETTINGS.public_url,
    )
    assert message["Subject"] == "Booking cancelled: Salle de réunion on Tuesday, 1 December 2026"
    assert message["Content-Language"] == "en"
    text = message.get_body(("plain",)).get_content()
    assert "You cancelled your booking: done." in text and "annulée" not in text


def test_recorded_once_per_event_for_the_person():
    event = {"event_id": "e9", "data": CANCELLED}
    assert commands.notify_booking_cancelled(SETTINGS, event) is True
    assert commands.notify_booking_cancelled(SETTINGS, event) is False  # redelivered
    [logged] = Delivery.objects
    assert logged.kind == "booking_cancelled" and logged.rcpt == CANCELLED["email"]
    assert logged.id.startswith("e9:booking_cancelled:")
    _, _, calendar, _ = calendar_of(logged.raw)  # base64 on the wire: parsed back
    assert calendar["METHOD"] == "CANCEL"
