"""Signed unsubscribe links (pure rules)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from services.notifications import compose, rules
from tests.samples import BOOKING_CONFIRMED


def test_tokens_are_per_address_and_secret_and_ignore_case():
    token = rules.token_for(b"secret-a", "Marceline@Example.org ")
    assert token == rules.token_for(b"secret-a", "marceline@example.org")
    assert token != rules.token_for(b"secret-b", "marceline@example.org")
    assert token != rules.token_for(b"secret-a", "thierry@example.org")
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
    assert query == {"email": ["marceline@example.org"], "token": ["abc123"], "kind": ["bookings"]}
    assert header in message.get_body(("plain",)).get_content()


def test_a_token_is_checked_against_the_address_and_the_secret():
    from contracts.notifications import InvalidUnsubscribeLink

    token = rules.token_for(b"secret-a", "marceline@example.org")
    rules.check_token(b"secret-a", " Marceline@example.org", token)
    for secret, email, forged in [
        (b"secret-b", "marceline@example.org", token),
        (b"secret-a", "thierry@example.org", token),
        (b"secret-a", "marceline@example.org", token[:-1]),
        (b"secret-a", "marceline@example.org", ""),
        (b"secret-a", "marceline@example.org", None),
    ]:
        with pytest.raises(InvalidUnsubscribeLink) as error:
            rules.check_token(secret, email, forged)
        assert error.value.params == {"field": "token"}


def test_addresses_are_compared_without_case_or_spaces():
    assert rules.normalise(" A@B.org ") == "a@b.org"
