"""The signed one-click links of the waitlist emails (leave, accept): a token is
``<booking_id>.<hmac>`` with a secret this service creates once in its own database, so that
a link works without signing in and nobody can forge one for someone else's booking. The
action is part of what is signed: a leave link cannot accept."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets

from mongoengine.errors import NotUniqueError

from contracts.booking import InvalidWaitlistLink

from .models import LinkSecret

SECRET_ID = "waitlist_links"
_known: dict[str, bytes] = {}


def secret() -> bytes:
    """This territory's signing secret, created on first use and stable afterwards."""
    name = LinkSecret._get_db().name
    if name not in _known:
        existing = LinkSecret.objects(id=SECRET_ID).first()
        if existing is None:  # another worker may create it at the same moment: theirs stands
            with contextlib.suppress(NotUniqueError):
                LinkSecret(id=SECRET_ID, value=secrets.token_hex(32)).save(force_insert=True)
            existing = LinkSecret.objects(id=SECRET_ID).first()
        _known[name] = existing.value.encode()
    return _known[name]


def _mac(booking_id: str, action: str) -> str:
    return hmac.new(secret(), f"{action}:{booking_id}".encode(), hashlib.sha256).hexdigest()[:32]


def token_for(booking_id: str, action: str) -> str:
    return f"{booking_id}.{_mac(booking_id, action)}"


def booking_of(token: str, action: str) -> str:
    """The booking id a token was made for with ``action``; ``InvalidWaitlistLink`` else."""
    booking_id, _, mac = (token or "").partition(".")
    if not booking_id or not hmac.compare_digest(_mac(booking_id, action), mac):
        raise InvalidWaitlistLink("invalid waitlist link", field="token")
    return booking_id
