"""Emails and calendar invitations: content, language, escaping, headers, RFC 5545."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

import pytest
from icalendar import Calendar
from jinja2 import UndefinedError

from services.notifications import compose
from services.notifications.ics import PRODID, booking_invitation
from tests.samples import BOOKING_CONFIRMED

PUBLIC_URL = "https://maillage.example"
MAIL_FROM = "Maillage <ne-pas-repondre@maillage.example>"


def booking(**overrides) -> dict:
    data = {
        **BOOKING_CONFIRMED,
        "booking_id": "6650c0ffee",
        "resource_id": "r-42",
        "resource_name": "Permanence numérique",
        "place_id": "p-7",
        "place_name": "La Fabrique de Saint-Agrève",
    }
    return {**data, **overrides}


def place(**overrides) -> dict:
    data = {
        "place_id": "p-9",
        "name": "La Grange numérique",
        "commune": "Lamastre",
        "postal_code": "07270",
        "status": "project",
        "location": {"lat": 44.99, "lon": 4.58},
    }
    return {**data, **overrides}


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return calendar, events[0]


# --- ics ------------------------------------------------------------------------------------


def test_invitation_is_a_request_with_utc_times_and_the_attendee():
    stamp = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    ics = booking_invitation(booking(), "ne-pas-repondre@maillage.example", dtstamp=stamp)
    calendar, event = event_of(ics)

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["PRODID"] == PRODID == "-//Maillage//Maillage//FR"
    assert calendar["VERSION"] == "2.0"
    assert event["UID"] == "booking-6650c0ffee@maillage"
    # 09:00 in UTC+01:00 is 08:00 UTC, written with a Z.
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert event.decoded("DTEND") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert b"DTSTART:20261201T080000Z" in ics
    assert event.decoded("DTSTAMP") == stamp
    assert event["SUMMARY"] == "Permanence numérique – La Fabrique de Saint-Agrève"
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("SEQUENCE") == 0
    assert str(event["ORGANIZER"]) == "mailto:ne-pas-repondre@maillage.example"

    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:marceline@example.org"
    assert attendee.params["CN"] == "Marceline Dupont"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert b"\r\n" in ics  # RFC 5545 line endings


def test_cancellation_keeps_the_uid_and_raises_the_sequence():
    _, request = event_of(booking_invitation(booking(), "o@maillage.example"))
    calendar, cancel = event_of(
        booking_invitation(booking(), "o@maillage.example", sequence=1, method="CANCEL")
    )
    assert calendar["METHOD"] == "CANCEL"
    assert cancel["UID"] == request["UID"]
    assert cancel["STATUS"] == "CANCELLED"
    assert cancel.decoded("SEQUENCE") == 1


def test_invitation_without_place_name_and_with_a_quoted_name():
    ics = booking_invitation(booking(place_name=None, name='Jo "le Gros"'), "o@maillage.example")
    _, event = event_of(ics)
    assert event["SUMMARY"] == "Permanence numérique"
    assert "LOCATION" not in event
    assert event["ATTENDEE"].params["CN"] == "Jo 'le Gros'"


@pytest.mark.parametrize(
    "overrides, method",
    [
        ({"start": "2026-12-01T09:00:00"}, "REQUEST"),  # no offset: which 09:00?
        ({"end": "2026-12-01T08:00:00+01:00"}, "REQUEST"),  # ends before it starts
        ({}, "PUBLISH"),
    ],
)
def test_invitation_rejects_bad_input(overrides, method):
    with pytest.raises(ValueError):
        booking_invitation(booking(**overrides), "o@maillage.example", method=method)


# --- rendering ------------------------------------------------------------------------------


def test_booking_confirmed_in_french_by_default():
    subject, text, html = compose.render("booking_confirmed", "fr", booking())

    assert subject == "Réservation confirmée : Permanence numérique, le mardi 1 décembre 2026"
    assert "Bonjour Marceline Dupont," in text
    assert "Votre réservation est confirmée." in text
    assert "Où : La Fabrique de Saint-Agrève" in text
    # Local time as written in the offset (09:00), not UTC (08:00).
    assert "Quand : mardi 1 décembre 2026, de 09:00 à 10:00" in text
    assert "08:00" not in text
    assert "Places réservées : 2" in text
    assert "L'invitation est jointe à ce message" in text
    assert "agenda" in text
    assert '<html lang="fr">' in html
    assert "mardi 1 décembre 2026, de 09:00 à 10:00" in html


def test_booking_confirmed_in_english():
    subject, text, html = compose.render("booking_confirmed", "en", booking(language="en"))

    assert subject == "Booking confirmed: Permanence numérique on Tuesday, 1 December 2026"
    assert "Hello Marceline Dupont," in text
    assert "When: Tuesday, 1 December 2026, from 09:00 to 10:00" in text
    assert "Seats booked: 2" in text
    assert "The invitation is attached" in text and "calendar" in text
    assert "Bonjour" not in text and "réservation" not in text
    assert '<html lang="en">' in html


def test_summer_offset_and_a_booking_over_two_days():
    _, text, _ = compose.render(
        "booking_confirmed",
        "fr",
        booking(
            start="2026-07-14T14:30:00+02:00", end="2026-07-14T16:00:00+02:00", place_name=None
        ),
    )
    assert "Quand : mardi 14 juillet 2026, de 14:30 à 16:00" in text
    assert "Où" not in text

    _, text, _ = compose.render(
        "booking_confirmed",
        "fr",
        booking(start="2026-12-01T18:00:00+01:00", end="2026-12-02T09:00:00+01:00"),
    )
    assert "du mardi 1 décembre 2026 à 18:00 au mercredi 2 décembre 2026 à 09:00" in text


@pytest.mark.parametrize("language", ["de", "", "xx-YY", "FR"])
def test_unknown_language_falls_back_to_french(language):
    assert compose.render("booking_confirmed", language, booking()) == compose.render(
        "booking_confirmed", "fr", booking()
    )


def test_regional_english_is_english():
    subject, _, _ = compose.render("booking_confirmed", "en-GB", booking())
    assert subject.startswith("Booking confirmed")


def test_unknown_kind_raises_key_error():
    with pytest.raises(KeyError):
        compose.render("booking_forgotten", "fr", booking())


def test_missing_data_is_an_error_not_a_blank():
    with pytest.raises(UndefinedError):
        compose.render("place_created", "fr", {"name": "Sans commune"})


def test_html_is_escaped_and_text_is_not():
    evil = "<script>alert('x')</script>"
    subject, text, html = compose.render("booking_confirmed", "fr", booking(name=evil))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert f"Bonjour {evil}," in text

    _, _, html = compose.render(
        "place_created", "en", {**place(name=evil, status="<b>odd</b>"), "public_url": PUBLIC_URL}
    )
    assert "<script>" not in html and "<b>odd</b>" not in html
    assert "&lt;b&gt;odd&lt;/b&gt;" in html


def test_subject_stays_on_one_line():
    data = booking(resource_name="Salle\r\nBcc: x")
    subject, _, _ = compose.render("booking_confirmed", "fr", data)
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Réservation confirmée : Salle Bcc: x, le mardi")


@pytest.mark.parametrize(
    "language, status, label",
    [
        ("fr", "open", "Statut : ouvert"),
        ("fr", "project", "Statut : en projet"),
        ("fr", "closed", "Statut : fermé"),
        ("en", "open", "Status: open"),
        ("en", "project", "Status: planned"),
        ("en", "closed", "Status: closed"),
    ],
)
def test_place_created_translates_the_status(language, status, label):
    _, text, _ = compose.render(
        "place_created", language, {**place(status=status), "public_url": PUBLIC_URL}
    )
    assert label in text


def test_place_created_in_french():
    subject, text, html = compose.render(
        "place_created", "fr", {**place(), "public_url": PUBLIC_URL + "/"}
    )
    assert subject == "Nouveau lieu dans l'annuaire : La Grange numérique (Lamastre)"
    assert "Un nouveau lieu vient d'être ajouté à l'annuaire" in text
    assert "Commune : Lamastre (07270)" in text
    assert "https://maillage.example/places/p-9" in text
    assert 'href="https://maillage.example/places/p-9"' in html


# --- messages -------------------------------------------------------------------------------


def test_booking_message_headers_parts_and_invitation():
    message = compose.booking_confirmed_message(
        booking(), mail_from=MAIL_FROM, public_url=PUBLIC_URL + "/"
    )
    # What goes over the wire, parsed back.
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())

    assert parsed["From"] == MAIL_FROM
    assert parsed["To"].addresses[0].addr_spec == "marceline@example.org"
    assert parsed["To"].addresses[0].display_name == "Marceline Dupont"
    assert parsed["Subject"] == (
        "Réservation confirmée : Permanence numérique, le mardi 1 décembre 2026"
    )
    assert parsedate_to_datetime(parsed["Date"]).tzinfo is not None
    assert parsed["Message-ID"].startswith("<") and parsed["Message-ID"].endswith(
        "@maillage.example>"
    )
    assert parsed["Content-Language"] == "fr"
    # The one-click link of its kind (bookings): it stops that kind only.
    unsubscribe = (
        "<https://maillage.example/unsubscribe?email=marceline%40example.org&kind=bookings>"
    )
    assert message["List-Unsubscribe"] == unsubscribe
    assert parsed["List-Unsubscribe"].strip() == unsubscribe  # a long header may be folded
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]
    assert "de 09:00 à 10:00" in parsed.get_body(("plain",)).get_content()
    assert "de 09:00 à 10:00" in parsed.get_body(("html",)).get_content()

    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invitation.ics"
    calendar, event = event_of(attachment.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == "booking-6650c0ffee@maillage"
    assert str(event["ORGANIZER"]) == "mailto:ne-pas-repondre@maillage.example"


def test_booking_message_follows_the_person_language():
    message = compose.booking_confirmed_message(
        booking(language="en"), mail_from=MAIL_FROM, public_url=PUBLIC_URL
    )
    assert message["Content-Language"] == "en"
    assert message["Subject"].startswith("Booking confirmed")


def test_place_created_message_without_attachment():
    message = compose.place_created_message(
        place(status="open"),
        to="Coordination Ardèche <coord@example.org>",
        mail_from=MAIL_FROM,
        public_url=PUBLIC_URL,
        language="en",
    )
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "en"
    assert message["To"].addresses[0].addr_spec == "coord@example.org"
    assert message["Subject"] == "New place in the directory: La Grange numérique (Lamastre)"
    assert message["List-Unsubscribe"] == (
        "<https://maillage.example/unsubscribe?email=coord%40example.org&kind=directory>"
    )
    assert "Status: open" in message.get_body(("plain",)).get_content()


def test_build_message_generic_attachment():
    message = compose.build_message(
        kind="place_created",
        language="fr",
        to="coord@example.org",
        mail_from=MAIL_FROM,
        context={**place(), "public_url": PUBLIC_URL},
        unsubscribe_url="https://maillage.example/u/abc",
        attachments=[("lieux.csv", "text/csv", b"id,nom\np-9,La Grange\n")],
        message_id_domain="test.invalid",
    )
    assert message["Message-ID"].endswith("@test.invalid>")
    assert message["List-Unsubscribe"] == "<https://maillage.example/u/abc>"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_filename() == "lieux.csv"
    assert "https://maillage.example/u/abc" in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "name",
    [
        "=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?=",
        "=?UTF-8?B?RXZlDQpCY2M6IHZAZXhhbXBsZS5vcmc=?=",
        "Eve\x00Martin",
        "Eve\x1b[31m",
        "Eve \u202emoc.live",
    ],
)
def test_a_hostile_name_falls_back_to_the_bare_address(name):
    message = compose.booking_confirmed_message(
        booking(name=name), mail_from="Maillage <no-reply@maillage.example>", public_url="x"
    )
    raw = message.as_bytes()  # sendable: it serialises
    [address] = message["To"].addresses
    assert (address.display_name, address.addr_spec) == ("", "marceline@example.org")
    headers = raw.split(b"\n\n")[0]
    assert b"Bcc" not in headers and b"victim" not in headers


@pytest.mark.parametrize(
    "name", ["Marceline Dupré-Lévêque", "Dupont, Marceline", "نام\u200cخانوادگی"]
)
def test_a_real_name_is_the_display_name(name):
    message = compose.booking_confirmed_message(
        booking(name=name), mail_from="Maillage <no-reply@maillage.example>", public_url="x"
    )
    message.as_bytes()
    assert message["To"].addresses[0].display_name == name


def test_an_encoded_word_in_a_subject_is_not_decoded_into_headers():
    data = booking(resource_name="=?utf-8?q?Salle=0D=0ABcc:_victim@example.org?=")
    message = compose.booking_confirmed_message(
        data, mail_from="Maillage <no-reply@maillage.example>", public_url="x"
    )
    headers = message.as_bytes().split(b"\n\n")[0]
    assert b"\nBcc" not in headers and b"\rBcc" not in headers
    assert "\n" not in str(message["Subject"])


APPOINTMENT = {
    "permanence_id": "perm-1",
    "agent_name": "Paul",
    "organisation": "Aide numérique",
    "motif": "demarches",
    "motif_label": "Démarches en ligne",
    "mode": "phone",
    "phone": "04 92 77 00 00",
    "text_after": "Préparez vos identifiants France Connect.",
}


def test_an_appointment_by_phone_shows_its_motif_the_call_and_the_text_after():
    data = booking(appointment=APPOINTMENT, place_name="Tiers-lieu de Riez")
    subject, text, html = compose.render("booking_confirmed", "fr", data)
    assert subject == "Rendez-vous confirmé : Démarches en ligne, le mardi 1 décembre 2026"
    assert "Rendez-vous : Démarches en ligne, avec Paul (Aide numérique)" in text
    assert "Par téléphone : l'agent vous appellera au 04 92 77 00 00." in text
    assert "Préparez vos identifiants France Connect." in text
    assert "Où : Tiers-lieu de Riez" in text
    assert "Places réservées" not in text and "Places réservées" not in html
    assert "l'agent vous appellera au 04 92 77 00 00" in html

    subject, text, _ = compose.render("booking_confirmed", "en", {**data, "language": "en"})
    assert subject == "Appointment confirmed: Démarches en ligne on Tuesday, 1 December 2026"
    assert "By phone: the agent will call you at 04 92 77 00 00." in text


def test_an_appointment_in_person_says_so():
    data = booking(appointment={**APPOINTMENT, "mode": "in_person", "text_after": None})
    _, text, _ = compose.render("booking_confirmed", "fr", data)
    assert "Sur place." in text and "appellera" not in text


def test_a_cancelled_appointment_names_its_motif_and_agent_not_the_agent_s_resource():
    data = booking(appointment=APPOINTMENT, resource_name="Aide numérique — Paul")
    data.update(cancelled_by="owner", sequence=1)
    subject, text, html = compose.render("booking_cancelled", "fr", data)
    assert subject == "Rendez-vous annulé : Démarches en ligne, le mardi 1 décembre 2026"
    assert "Rendez-vous : Démarches en ligne, avec Paul (Aide numérique)" in text
    assert "Aide numérique — Paul" not in text and "Places :" not in text
    assert "Démarches en ligne" in html and "Aide numérique — Paul" not in html
    subject, text, _ = compose.render("booking_cancelled", "en", {**data, "language": "en"})
    assert subject == "Appointment cancelled: Démarches en ligne on Tuesday, 1 December 2026"
    assert "Appointment: Démarches en ligne, with Paul (Aide numérique)" in text
