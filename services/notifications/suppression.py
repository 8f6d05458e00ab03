"""Who asked to receive no more email, and the signed links that let them ask.

The token in an unsubscribe link is an HMAC of the address with a secret that this service
creates once and keeps in its own database, so nobody can unsubscribe someone else.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from contracts.notifications import InvalidUnsubscribeLink

SECRET_ID = "unsubscribe_link_secret"


def normalise(email: str) -> str:
    return email.strip().lower()


_known: dict[str, bytes] = {}  # database name -> secret: it never changes once created


def link_secret(db: Database) -> bytes:
    """This territory's signing secret, created on first use and stable afterwards."""
    if db.name not in _known:
        _known[db.name] = _load_or_create(db)
    return _known[db.name]


def _load_or_create(db: Database) -> bytes:
    existing = db.secrets.find_one({"_id": SECRET_ID})
    if existing is None:
        # Another worker may create it at the same moment: then theirs stands.
        with contextlib.suppress(DuplicateKeyError):
            db.secrets.insert_one({"_id": SECRET_ID, "value": secrets.token_hex(32)})
        existing = db.secrets.find_one({"_id": SECRET_ID})
    return existing["value"].encode()


def token_for(secret: bytes, email: str) -> str:
    return hmac.new(secret, normalise(email).encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe(db: Database, secret: bytes, email: str, token: str) -> None:
    """Record the wish; idempotent. A wrong token is refused."""
    if not hmac.compare_digest(token_for(secret, email), token or ""):
        raise InvalidUnsubscribeLink("invalid unsubscribe link", field="token")
    db.suppressions.update_one(
        {"_id": normalise(email)},
        {"$setOnInsert": {"since": datetime.now(UTC)}},
        upsert=True,
    )


def is_suppressed(db: Database, email: str) -> bool:
    return db.suppressions.find_one({"_id": normalise(email)}, {"_id": 1}) is not None
