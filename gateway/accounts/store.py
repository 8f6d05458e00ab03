"""Every read and write of the accounts' collections, and their indexes.

Collections of ``<territory>_gateway``:

- ``members``: ``_id`` (random, not guessable, not in sequence), ``email`` (unique,
  lower-case), ``name``, ``language``, ``password_hash`` (argon2id, or None: sign-in by
  link only), ``confirmed``, the profile, ``roles`` (the territory's: admin, coordinator)
  and ``manages`` (ids of the places whose manager they are; ``roles.py`` says who grants
  what).
- ``sessions``: ``_id`` = SHA-256 of the cookie's value, ``member_id``, ``csrf``,
  ``expires_at`` (TTL).
- ``api_tokens``: ``_id`` = SHA-256 of the token, ``id`` (public, to list and revoke),
  ``member_id``, ``expires_at`` (TTL).
- ``links``: ``_id`` = SHA-256 of the emailed token, ``purpose`` (confirm, sign_in, reset,
  email), ``member_id``, ``expires_at`` (TTL); a confirmation also keeps the sign-up's
  password hash, name and language, applied only when the address's owner follows the link;
  a sign-in link the page to come back to (``next``); an address change the new address
  (``new_email``), applied only when its owner follows the link.
- ``calendar_tokens``: ``_id`` = SHA-256 of the token of the member's private calendar feed
  (``/api/me/calendar.ics?token=…``), ``member_id`` (unique: one feed per member; a new one
  replaces it), ``created_at``. No expiry: a calendar app keeps its subscription for years;
  the member revokes it, and it dies with every other credential (``sign_out_everywhere``)
  and with the account.

Every hot read is an equality on ``_id`` or on a unique index; single use is a
``delete_one`` by ``_id`` whose count says who won (no findAndModify, no ``$or``:
SecantusDB scans the collection for those). The TTL indexes sweep what expired; reads check
``expires_at`` too, since the sweep runs about once a minute.
"""

from __future__ import annotations

import secrets as random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..settings import GatewaySettings
from .secrets import API_TOKEN_PREFIX, CALENDAR_TOKEN_PREFIX, digest, new_secret

CONFIRM, SIGN_IN, RESET, EMAIL = "confirm", "sign_in", "reset", "email"
PROFILE_FIELDS = ("name", "language", "commune", "audience", "consent_statistics", "phone")


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _live(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    if doc is None or _aware(doc["expires_at"]) <= now():
        return None
    return doc


@dataclass(frozen=True)
class Link:
    token: str  # goes into the email, never into the database
    expires_at: datetime


class Accounts:
    def __init__(self, db: Database, settings: GatewaySettings) -> None:
        self.db = db
        self.settings = settings
        self.members = db["members"]
        self.sessions = db["sessions"]
        self.tokens = db["api_tokens"]
        self.links = db["links"]
        self.calendar_tokens = db["calendar_tokens"]

    def ensure_indexes(self) -> None:
        self.members.create_index([("email", ASCENDING)], unique=True)
        for collection in (self.sessions, self.tokens, self.links):
            collection.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
            collection.create_index([("member_id", ASCENDING)])
        self.tokens.create_index([("id", ASCENDING)], unique=True)
        self.calendar_tokens.create_index([("member_id", ASCENDING)], unique=True)

    # --- members -----------------------------------------------------------------------

    def member(self, member_id: str) -> dict[str, Any] | None:
        return self.members.find_one({"_id": member_id})

    def by_email(self, email: str) -> dict[str, Any] | None:
        return self.members.find_one({"email": email})

    def sign_up(self, email: str, name: str, language: str, password_hash: str) -> dict:
        """The member of ``email``: created unconfirmed when unknown. An unconfirmed one
        keeps the latest password (for a 403 rather than a 401 at sign-in) until the owner
        of the address confirms, which sets the password of the sign-up they follow."""
        member = self.by_email(email)
        if member is None:
            member = {
                "_id": uuid.uuid4().hex,
                "email": email,
                "name": name,
                "language": language,
                "password_hash": password_hash,
                "confirmed": False,
                "created_at": now(),
                "commune": None,
                "audience": None,
                "consent_statistics": False,
                "phone": None,
                "roles": [],
                "manages": [],
            }
            try:
                self.members.insert_one(member)
            except DuplicateKeyError:  # the same address signed up at the same moment
                member = self.by_email(email)
        elif not member["confirmed"]:
            self.members.update_one(
                {"_id": member["_id"]}, {"$set": {"password_hash": password_hash}}
            )
        return member

    def confirm(self, link: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Apply a confirmation link: (the member, whether it was confirmed just now)."""
        member = self.member(link["member_id"])
        if member is None:
            return None, False
        first = not member["confirmed"]
        if first:
            changes = {
                "confirmed": True,
                "confirmed_at": now(),
                "password_hash": link["password_hash"],
                "name": link["name"],
                "language": link["language"],
            }
            self.members.update_one({"_id": member["_id"]}, {"$set": changes})
            member.update(changes)
        # Any other pending confirmation (someone else's sign-up with this address) is void.
        self.links.delete_many({"member_id": member["_id"], "purpose": CONFIRM})
        return member, first

    def change_email(self, member_id: str, new_email: str) -> dict[str, Any] | None:
        """The member under ``new_email`` (None when the address is taken meanwhile, by
        anyone, even an unconfirmed sign-up: the unique index decides between two at once).
        Every session, token and pending link of the old address goes."""
        try:
            changed = self.members.update_one({"_id": member_id}, {"$set": {"email": new_email}})
        except DuplicateKeyError:
            return None
        if changed.matched_count != 1:
            return None
        self.sign_out_everywhere(member_id)
        self.links.delete_many({"member_id": member_id})
        return self.member(member_id)

    def set_password_hash(self, member_id: str, password_hash: str) -> None:
        self.members.update_one({"_id": member_id}, {"$set": {"password_hash": password_hash}})

    def set_roles(self, member_id: str, roles: list[str], manages: list[str] = ()) -> None:
        """All the member's roles at once (the demo accounts, put back as listed)."""
        changes = {"roles": list(roles), "manages": list(manages)}
        self.members.update_one({"_id": member_id}, {"$set": changes})

    def role_holders(self) -> list[dict[str, Any]]:
        """Members who hold a territory role or manage a place (a scan of a small collection:
        two equality-free reads, not an ``$or``), by address."""
        found = {}
        for field in ("roles", "manages"):
            for member in self.members.find({f"{field}.0": {"$exists": True}}):
                found[member["_id"]] = member
        return sorted(found.values(), key=lambda member: member["email"])

    def grant(self, member_id: str, field: str, value: str) -> bool:
        """Add ``value`` to the member's ``roles`` or ``manages``; True when it was new.
        ``$addToSet``: granting twice is granting once."""
        changed = self.members.update_one({"_id": member_id}, {"$addToSet": {field: value}})
        return changed.modified_count == 1

    def revoke(self, member_id: str, field: str, value: str) -> bool:
        """Remove ``value`` from the member's ``roles`` or ``manages``; True when it was held."""
        changed = self.members.update_one({"_id": member_id}, {"$pull": {field: value}})
        return changed.modified_count == 1

    def update_profile(self, member_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        changes = {k: v for k, v in changes.items() if k in PROFILE_FIELDS}
        if changes:
            self.members.update_one({"_id": member_id}, {"$set": changes})
        return self.member(member_id)

    # --- single-use links --------------------------------------------------------------

    def new_link(self, purpose: str, member: dict, lifetime: timedelta, **extra: Any) -> Link:
        token = new_secret()
        expires_at = now() + lifetime
        self.links.insert_one(
            {
                "_id": digest(token),
                "purpose": purpose,
                "member_id": member["_id"],
                "expires_at": expires_at,
                **extra,
            }
        )
        return Link(token, expires_at)

    def use_link(self, purpose: str, token: str) -> dict[str, Any] | None:
        """The link's document if ``token`` is a live link for ``purpose``, deleted on the way:
        of two requests with the same token, only the one whose delete counted wins."""
        key = digest(token)
        link = _live(self.links.find_one({"_id": key}))
        if link is None or link["purpose"] != purpose:
            return None
        if self.links.delete_one({"_id": key}).deleted_count != 1:
            return None
        return link

    # --- web sessions ------------------------------------------------------------------

    def open_session(self, member_id: str) -> tuple[str, str]:
        """A new session: (the cookie's value, its CSRF token). Only the value's digest is
        kept; the CSRF token is no credential on its own and is kept as it is."""
        session_id, csrf = new_secret(), new_secret()
        self.sessions.insert_one(
            {
                "_id": digest(session_id),
                "member_id": member_id,
                "csrf": csrf,
                "created_at": now(),
                "expires_at": now() + timedelta(hours=self.settings.session_hours),
            }
        )
        return session_id, csrf

    def session(self, session_id: str) -> dict[str, Any] | None:
        return _live(self.sessions.find_one({"_id": digest(session_id)}))

    def first_sight(self, session_id: str) -> bool:
        """Whether this is the first page the session shows (then marked seen): the web
        pages' welcome after a sign-in, once."""
        found = self.sessions.update_one(
            {"_id": digest(session_id), "welcomed": {"$ne": True}}, {"$set": {"welcomed": True}}
        )
        return found.modified_count == 1

    def close_session(self, session_id: str) -> None:
        self.sessions.delete_one({"_id": digest(session_id)})

    # --- API tokens --------------------------------------------------------------------

    def issue_token(self, member_id: str) -> tuple[str, dict[str, Any]]:
        token = API_TOKEN_PREFIX + new_secret()
        doc = {
            "_id": digest(token),
            "id": random.token_hex(8),
            "member_id": member_id,
            "created_at": now(),
            "expires_at": now() + timedelta(days=self.settings.api_token_days),
        }
        self.tokens.insert_one(doc)
        return token, doc

    def token(self, token: str) -> dict[str, Any] | None:
        return _live(self.tokens.find_one({"_id": digest(token)}))

    def member_tokens(self, member_id: str) -> list[dict[str, Any]]:
        found = self.tokens.find({"member_id": member_id}, {"_id": 0})
        return [t for t in found if _live(t)]

    def revoke_token(self, member_id: str, token_id: str) -> bool:
        return self.tokens.delete_one({"id": token_id, "member_id": member_id}).deleted_count == 1

    def revoke_token_digest(self, token: str) -> None:
        self.tokens.delete_one({"_id": digest(token)})

    def sign_out_everywhere(self, member_id: str) -> None:
        """Every session, every API token and the calendar feed's token of the member (a
        credential too: it reads their bookings), and their pending sign-in links and address
        changes (asked, perhaps, from a session that is being closed)."""
        self.sessions.delete_many({"member_id": member_id})
        self.tokens.delete_many({"member_id": member_id})
        self.calendar_tokens.delete_many({"member_id": member_id})
        for purpose in (SIGN_IN, EMAIL):
            self.links.delete_many({"member_id": member_id, "purpose": purpose})

    # --- the private calendar feed's token ---------------------------------------------

    def issue_calendar_token(self, member_id: str) -> tuple[str, dict[str, Any]]:
        """A new feed token for the member, replacing theirs (the old URL stops at once).
        The unique index keeps one per member when two requests race: the loser retries."""
        for _attempt in range(3):
            token = CALENDAR_TOKEN_PREFIX + new_secret()
            doc = {"_id": digest(token), "member_id": member_id, "created_at": now()}
            self.calendar_tokens.delete_many({"member_id": member_id})
            try:
                self.calendar_tokens.insert_one(doc)
            except DuplicateKeyError:
                continue
            return token, doc
        raise RuntimeError("could not store a calendar token")

    def calendar_token_of(self, member_id: str) -> dict[str, Any] | None:
        """The member's feed token's document (its digest and date), or None."""
        return self.calendar_tokens.find_one({"member_id": member_id})

    def calendar_member(self, token: str) -> dict[str, Any] | None:
        """The confirmed member whose feed ``token`` is, or None (unknown, revoked)."""
        found = self.calendar_tokens.find_one({"_id": digest(token)})
        member = self.member(found["member_id"]) if found else None
        return member if member is not None and member.get("confirmed") else None

    def revoke_calendar_token(self, member_id: str) -> bool:
        return self.calendar_tokens.delete_many({"member_id": member_id}).deleted_count > 0


def accounts(app_state: Any) -> Accounts:
    """The app's ``Accounts``, its indexes made on first use (an unreachable database then
    answers 503 and the next request tries again)."""
    found = getattr(app_state, "accounts", None)
    if found is None:
        found = Accounts(app_state.db, app_state.settings)
        found.ensure_indexes()
        app_state.accounts = found
    return found
