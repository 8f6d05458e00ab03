"""Pure rules: addresses compared without case or spaces, and the signed unsubscribe links.

The token in an unsubscribe link is an HMAC of the address with a secret this service creates
once and keeps in its own database, so nobody can unsubscribe someone else.
"""

from __future__ import annotations

import hashlib
import hmac

from contracts.notifications import InvalidUnsubscribeLink


def normalise(email: str) -> str:
    return email.strip().lower()


def token_for(secret: bytes, email: str) -> str:
    return hmac.new(secret, normalise(email).encode(), hashlib.sha256).hexdigest()[:32]


def check_token(secret: bytes, email: str, token: str | None) -> None:
    """Refuse a link whose token was not made for this address with this secret."""
    if not hmac.compare_digest(token_for(secret, email), token or ""):
        raise InvalidUnsubscribeLink("invalid unsubscribe link", field="token")
