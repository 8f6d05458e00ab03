"""The emails of a request awaiting the place's approval (``booking_requested``, then
``booking_rejected`` with the place's reason) and of a cancellation by the place with its
reason or of a request withdrawn: in the booking's language, text and HTML, recorded once
per event."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.notifications import commands, compose
from services.notifications.models import Delivery
from tests.samples import BOOKING_CONFIRMED

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
KW = {"mail_from": SETTINGS.mail_from, "public_url": SETTINGS.public_url}
REASON = "La salle est prise par l'atelier <numérique> ce jour-là"
REJECTED = {**BOOKING_CONFIRMED, "reason": REASON}
CANCELLED = {**BOOKING_CONFIRMED, "cancelled_by": "staff", "sequence": 1}


def parts(message) -> tuple[str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_request_received_says_the_place_will_answer_and_carries_no_invitation():
    message = compose.booking_answer_message("booking_requested", BOOKING_CONFIRMED, **KW)
    assert message["Subject"] == "Demande reçue : Salle de réunion, le mardi 1 décembre 2026"
    text, html = parts(message)
    assert "Le lieu doit la valider" in text and "Le lieu doit la valider" in html
    assert "Quand : mardi 1 décembre 2026, de 09:00 à 10:00" in text
    assert list(message.iter_attachments()) == []  # only the approval goes in the calendar


def test_a_request_received_in_english():
    message = compose.booking_answer_message(
        "booking_requested", {**BOOKING_CONFIRMED, "language": "en"}, **KW
    )
    assert message["Subject"] == ("Request received: Salle de réunion on Tuesday, 1 December 2026")
    text, _ = parts(message)
    assert "The place needs to approve it" in text and "valider" not in text


@pytest.mark.parametrize(
    ("language", "subject", "sorry"),
    [
        ("fr", "Demande non retenue : Salle de réunion, le mardi 1 décembre 2026", "désolés"),
        ("en", "Request not accepted: Salle de réunion on Tuesday, 1 December 2026", "sorry"),
    ],
)
def test_a_rejection_gives_the_place_s_reason_kindly(language, subject, sorry):
    message = compose.booking_answer_message(
        "booking_rejected", {**REJECTED, "language": language}, **KW
    )
    assert message["Subject"] == subject
    text, html = parts(message)
    assert REASON in text and sorry in text
    assert "atelier &lt;numérique&gt;" in html and "<numérique>" not in html  # escaped
    assert list(message.iter_attachments()) == []


def test_only_the_answers_to_a_request_are_composed_so():
    with pytest.raises(KeyError):
        compose.booking_answer_message("booking_confirmed", BOOKING_CONFIRMED, **KW)


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "Son message : « Fermeture exceptionnelle »"), ("en", "“Fermeture exceptionnelle”")],
)
def test_a_cancellation_by_the_place_gives_its_reason(language, said):
    data = {**CANCELLED, "reason": "Fermeture exceptionnelle", "language": language}
    text, html = parts(compose.booking_cancelled_message(data, **KW))
    assert said in text and "Fermeture exceptionnelle" in html


def test_a_cancellation_without_a_reason_says_none():
    text, _ = parts(compose.booking_cancelled_message(CANCELLED, **KW))
    assert "Son message" not in text
    assert "Le lieu a dû annuler votre réservation, et nous en sommes désolés." in text


def test_a_withdrawn_request_has_no_invitation_to_take_back():
    data = {**CANCELLED, "cancelled_by": "owner", "previous_status": "awaiting_approval"}
    message = compose.booking_cancelled_message(data, **KW)
    text, _ = parts(message)
    assert "Vous avez annulé votre demande de réservation" in text
    assert "agenda" not in text and list(message.iter_attachments()) == []
    confirmed = compose.booking_cancelled_message({**data, "previous_status": "confirmed"}, **KW)
    assert len(list(confirmed.iter_attachments())) == 1


@pytest.mark.parametrize(
    ("kind", "data"), [("booking_requested", BOOKING_CONFIRMED), ("booking_rejected", REJECTED)]
)
def test_recorded_once_per_event_for_the_person(kind, data):
    event = {"event_id": "e7", "type": kind, "data": data}
    assert commands.notify_booking_answer(SETTINGS, event) is True
    assert commands.notify_booking_answer(SETTINGS, event) is False  # redelivered
    [logged] = Delivery.objects
    assert (logged.kind, logged.rcpt) == (kind, data["email"])
    assert logged.id.startswith(f"e7:{kind}:")


def test_no_email_for_someone_reached_by_phone():
    event = {"event_id": "e8", "type": "booking_rejected", "data": {**REJECTED, "email": None}}
    assert commands.notify_booking_answer(SETTINGS, event) is False
    assert Delivery.objects.count() == 0
