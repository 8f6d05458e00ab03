"""Which kinds of message each address wants: preferences per kind, changed from the signed
link in every email (no sign-in) or from the member's profile.

- The kinds (``TOPICS``): ``bookings``, ``clubs``, ``directory``, ``digests`` (the weekly
  digest, off unless asked for), ``announcements``. ``transactional`` is no kind one can
  turn off: what the person just asked for (a booking they made, a link) is never stopped
  by a preference.
- Stored by address (``EmailPreference``, ``_id`` the normalised address): people without
  an account have preferences too, reached by the link in the emails they get.
- The links are signed with the unsubscribe secret (``rules.token_for``): one token per
  address opens its preferences page and its one-click per-kind unsubscribe.
- "Stop everything" is the existing all-or-nothing ``Suppression`` (``commands.unsubscribe``
  without a kind); choosing kinds again on the page lifts it.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from mongoengine.errors import NotUniqueError
from pymongo.errors import DuplicateKeyError

from contracts.errors import AuthenticationRequired
from contracts.identity import Caller
from contracts.notifications import UnknownMessageKind
from services.common.identity import require_signed_in

from .models import Contact, EmailPreference, Suppression
from .rules import check_token, normalise

TOPICS = ("bookings", "clubs", "directory", "digests", "announcements")
TRANSACTIONAL = "transactional"
# A kind nobody chose yet: everything but the digest (asked for, never imposed).
DEFAULTS = {"bookings": True, "clubs": True, "directory": True, "digests": False}
DEFAULTS["announcements"] = True
KEYS_KEPT = 20  # a retry comes within minutes, not after twenty other changes


# -- pure rules ------------------------------------------------------------------------------
def effective(choices: dict[str, Any] | None) -> dict[str, bool]:
    """Every kind, on or off: the person's choices over the defaults."""
    chosen = choices or {}
    return {topic: bool(chosen.get(topic, DEFAULTS[topic])) for topic in TOPICS}


def wants(choices: dict[str, Any] | None, topic: str) -> bool:
    """Whether an address with these choices gets a message of ``topic``. Transactional
    messages (and kinds this module does not know: a newer service's) always go."""
    if topic not in TOPICS:
        return True
    return effective(choices)[topic]


def checked(kinds: dict[str, Any]) -> dict[str, bool]:
    """The kinds a request sets, refused whole if one is unknown or not a yes/no."""
    unknown = sorted(k for k in kinds if k not in TOPICS)
    if unknown:
        raise UnknownMessageKind(
            f"unknown kind of message: {', '.join(unknown)}", kind=unknown[0], kinds=list(TOPICS)
        )
    bad = sorted(k for k, v in kinds.items() if not isinstance(v, bool))
    if bad:
        raise UnknownMessageKind(f"not true or false: {bad[0]}", kind=bad[0], kinds=list(TOPICS))
    return dict(kinds)


# -- reads -------------------------------------------------------------------------------------
def choices_of(email: str) -> dict[str, Any]:
    found = EmailPreference.objects(email=normalise(email)).only("choices").first()
    return dict(found.choices) if found else {}


def allows(email: str, topic: str) -> bool:
    """Whether ``email`` gets messages of ``topic`` (one read by ``_id``)."""
    if topic not in TOPICS:
        return True
    return wants(choices_of(email), topic)


def view(email: str) -> dict[str, Any]:
    address = normalise(email)
    stopped = Suppression.objects(email=address).only("email").first() is not None
    return {"email": address, "kinds": effective(choices_of(address)), "stopped_all": stopped}


# -- writes ------------------------------------------------------------------------------------
def apply(email: str, kinds: dict[str, bool], key: str | None = None) -> dict[str, Any]:
    """Set some kinds on or off for ``email`` (the others keep their value), atomically. With
    a ``key``: applied once (a retried request is not applied again over a later change).
    Choosing kinds lifts a "stop everything": the person just said what they want."""
    address = normalise(email)
    kinds = checked(kinds)
    update: dict[str, Any] = {
        "$set": {"updated_at": datetime.now(UTC), **{f"choices.{t}": v for t, v in kinds.items()}}
    }
    query: dict[str, Any] = {"_id": address}
    if key:
        query["keys"] = {"$ne": key}
        update["$push"] = {"keys": {"$each": [key], "$slice": -KEYS_KEPT}}
    # A key applied already: the filter misses, the upsert's insert meets the _id: nothing.
    with contextlib.suppress(DuplicateKeyError):
        EmailPreference._get_collection().update_one(query, update, upsert=True)
    if any(kinds.values()):
        Suppression.objects(email=address).delete()
    return view(address)


def stop_kind(email: str, topic: str) -> dict[str, Any]:
    """The one-click per kind (``List-Unsubscribe`` of a message of that kind)."""
    if topic not in TOPICS:
        raise UnknownMessageKind(
            f"unknown kind of message: {topic}", kind=topic, kinds=list(TOPICS)
        )
    address = normalise(email)
    EmailPreference.objects(email=address).update_one(
        upsert=True, **{f"set__choices__{topic}": False}, set__updated_at=datetime.now(UTC)
    )
    return view(address)


def follow(previous: str, current: str) -> None:
    """A member's new address keeps the choices of the old one (they were the person's),
    unless the new one has its own already."""
    found = EmailPreference.objects(email=normalise(previous)).first()
    if found is None or not found.choices:
        return
    with contextlib.suppress(NotUniqueError):
        EmailPreference(email=normalise(current), choices=dict(found.choices)).save(
            force_insert=True
        )


def forget(email: str) -> int:
    return EmailPreference.objects(email=normalise(email)).delete()


# -- by the signed link, and by the signed-in member -----------------------------------------
def by_link(secret: bytes, email: str, token: str) -> dict[str, Any]:
    check_token(secret, email, token)
    return view(email)


def set_by_link(
    secret: bytes, email: str, token: str, kinds: dict[str, Any], key: str | None = None
) -> dict[str, Any]:
    check_token(secret, email, token)
    return apply(email, kinds, key)


def address_of(who: Caller) -> str:
    """The member's address: the one the gateway vouches for (the caller's), or the contact
    kept from their events."""
    require_signed_in(who, "see your email preferences")
    if who.email:
        return normalise(who.email)
    contact = Contact.objects(member_id=who.member_id).first() if who.member_id else None
    if contact is None:  # the operator's token: no member, no address
        raise AuthenticationRequired("sign in as a member", action="see your email preferences")
    return normalise(contact.email)


def mine(who: Caller) -> dict[str, Any]:
    return view(address_of(who))


def set_mine(who: Caller, kinds: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    return apply(address_of(who), kinds, key)
