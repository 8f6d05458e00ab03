"""A ready-made email for the notifications unit tests."""

from __future__ import annotations

from email.message import EmailMessage


def message(to: str = "marceline@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Maillage <no-reply@maillage.example>"
    msg["To"] = to
    msg["Subject"] = "Réservation confirmée"
    msg["Message-ID"] = "<m1@maillage.example>"
    msg.set_content("Bonjour")
    return msg
