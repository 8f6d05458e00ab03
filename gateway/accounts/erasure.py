"""A member's rights over what the gateway holds about them (GDPR): the export of their
account (art. 15/20) and its erasure (art. 17).

Erasing a member, in this order, so that a failure half way is finished by trying again:

1. ``member_erased`` (member id and address) goes into the outbox, durably: the services
   anonymise what they hold even if what follows fails; the relay drops the event's data
   once the broker has it;
2. the audit log: every earlier line naming the member (as the actor, or in
   ``details.member_id``) names a marker instead, ``erased:<HMAC of the id>`` with a secret
   of this database — the same for every line of one member (their acts still read as one
   person's), not reversible to the id, and not recomputable from an id without the secret;
   then the act itself, ``member_erased``, by that marker;
3. their sessions, API tokens, calendar feed token and single-use links, then the member;
4. ``place_managers_changed`` for each place they managed (now without them).
"""

from __future__ import annotations

import hashlib
import hmac
from contextlib import suppress
from datetime import datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .. import audit
from . import place_managers
from .secrets import new_secret
from .store import Accounts

SECRETS = "secrets"
MARKER_SECRET = "erasure_marker"
MARKER_PREFIX = "erased:"


def _secret(db: Database) -> bytes:
    """This territory's marker secret, made once (the first erasure) and kept."""
    found = db[SECRETS].find_one({"_id": MARKER_SECRET})
    if found is None:
        with suppress(DuplicateKeyError):  # another replica made it at the same moment
            db[SECRETS].insert_one({"_id": MARKER_SECRET, "value": new_secret()})
        found = db[SECRETS].find_one({"_id": MARKER_SECRET})
    return found["value"].encode()


def marker(db: Database, member_id: str) -> str:
    """What the audit log names an erased member by."""
    mac = hmac.new(_secret(db), member_id.encode(), hashlib.sha256).hexdigest()
    return MARKER_PREFIX + mac[:24]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def audit_lines(db: Database, member_id: str) -> list[dict[str, Any]]:
    """The audit lines naming the member, oldest first; another actor's id is not theirs to
    read (``by_me`` says whether they did it)."""
    found: dict[Any, dict[str, Any]] = {}
    for query in ({"actor": member_id}, {"details.member_id": member_id}):
        for line in db[audit.COLLECTION].find(query):
            found[line["_id"]] = line
    lines = sorted(found.values(), key=lambda line: line["at"])
    return [
        {
            "at": _iso(line["at"]),
            "action": line["action"],
            "by_me": line["actor"] == member_id,
            "details": {key: _iso(value) for key, value in line.get("details", {}).items()},
        }
        for line in lines
    ]


def export(db: Database, store: Accounts, member: dict[str, Any], session_id: str | None):
    """What the gateway holds about ``member``: the profile, roles, sessions, API tokens and
    calendar feed (dates and public ids, never a secret nor its digest), consent, the audit
    lines."""
    member_id = member["_id"]
    session = store.session(session_id) if session_id else None
    current = session["_id"] if session else None
    sessions = [
        {
            "created_at": _iso(session.get("created_at")),
            "expires_at": _iso(session.get("expires_at")),
            "current": session["_id"] == current,
        }
        for session in store.sessions.find({"member_id": member_id}).sort("created_at", 1)
    ]
    tokens = [
        {key: _iso(token.get(key)) for key in ("id", "created_at", "expires_at")}
        for token in store.member_tokens(member_id)
    ]
    calendar = store.calendar_token_of(member_id)
    return {
        "profile": {
            "id": member_id,
            "email": member["email"],
            "name": member.get("name"),
            "language": member.get("language") or "fr",
            "commune": member.get("commune"),
            "audience": member.get("audience"),
            "phone": member.get("phone"),
            "confirmed": bool(member.get("confirmed")),
            "created_at": _iso(member.get("created_at")),
            "confirmed_at": _iso(member.get("confirmed_at")),
            "has_password": bool(member.get("password_hash")),
        },
        "roles": list(member.get("roles") or []),
        "manages": list(member.get("manages") or []),
        "consent": {"statistics": bool(member.get("consent_statistics"))},
        "sessions": sessions,
        "api_tokens": tokens,
        # That a feed URL exists, and since when; never its token nor the token's digest.
        "calendar_feed": {"created_at": _iso(calendar["created_at"])} if calendar else None,
        "audit": audit_lines(db, member_id),
    }


def erase(db: Database, store: Accounts, events: Any, member: dict[str, Any]) -> str:
    """Erase ``member`` (see the module's doc); returns the marker the audit log keeps."""
    member_id = member["_id"]
    events.emit("member_erased", {"member_id": member_id, "email": member["email"]})
    erased = marker(db, member_id)
    lines = db[audit.COLLECTION]
    lines.update_many({"actor": member_id}, {"$set": {"actor": erased}})
    lines.update_many({"details.member_id": member_id}, {"$set": {"details.member_id": erased}})
    audit.record(db, erased, "member_erased", member_id=erased)
    for collection in (store.sessions, store.tokens, store.calendar_tokens, store.links):
        collection.delete_many({"member_id": member_id})
    store.members.delete_one({"_id": member_id})
    for place_id in member.get("manages") or []:  # they manage it no more
        place_managers.announce(db, store, events, place_id)
    return erased
