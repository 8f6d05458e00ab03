"""Signed unsubscribe links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from services.notifications import compose, suppression
from tests.samples import BOOKING_CONFIRMED


def test_tokens_are_per_address_and_secret_and_ignore_case():
    token = suppression.token_for(b"secret-a", "Marceline@Example.org ")
    assert token == suppression.token_for(b"secret-a", "marceline@example.org")
    assert token != suppression.token_for(b"secret-b", "marceline@example.org")
    assert token != suppression.token_for(b"secret-a", "thierry@example.org")
    assert len(token) == 32


def test_the_email_carries_the_signed_link_in_header_and_body():
    message = compose.booking_confirmed_message(
        BOOKING_CONFIRMED,
        mail_from="Maillage <no-reply@maillage.example>",
        public_url="https://maillage.example",
        unsubscribe_token="abc123",
    )
    header = message["List-Unsubscribe"].strip("<>")
    query = parse_qs(urlparse(header).query)
    assert query == {"email": ["marceline@example.org"], "token": ["abc123"]}
    assert header in message.get_body(("plain",)).get_content()
