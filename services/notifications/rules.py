"""Pure rules: addresses compared without case or spaces, and the signed unsubscribe links.

The token in an unsubscribe link is an HMAC of the address with a secret this service creates
once and keeps in its own database, so nobody can unsubscribe someone else.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from contracts.notifications import InvalidUnsubscribeLink


def normalise(email: str) -> str:
    return email.strip().lower()


def token_for(secret: bytes, email: str) -> str:
    return hmac.new(secret, normalise(email).encode(), hashlib.sha256).hexdigest()[:32]


def check_token(secret: bytes, email: str, token: str | None) -> None:
    """Refuse a link whose token was not made for this address with this secret."""
    if not hmac.compare_digest(token_for(secret, email), token or ""):
        raise InvalidUnsubscribeLink("invalid unsubscribe link", field="token")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def event_time_us(occurred_at: str | None) -> int:
    """An event's ``occurred_at`` in microseconds since the epoch: what orders two events of
    one thing (a BSON date keeps only milliseconds, and two events can share one). Every
    envelope has one; a payload without (a hand-made test event) counts as now."""
    when = datetime.fromisoformat(occurred_at) if occurred_at else datetime.now(UTC)
    return (when - EPOCH) // timedelta(microseconds=1)
