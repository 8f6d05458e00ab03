"""Reads: who asked for no more email, the latest deliveries for the operator, and what this
service holds about a member (their export, GDPR art. 15/20)."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from contracts.identity import Caller
from services.common.identity import require_signed_in

from . import managers, preferences
from .models import Contact, Delivery, Suppression
from .rules import normalise

SERVICE = "notifications"

MAX_LISTED = 500


def is_suppressed(email: str, erased_key: str | None = None) -> bool:
    """Whether the address unsubscribed; ``erased_key`` also finds the wish of a member who
    was erased since (kept as a digest of the address, see ``commands.erase_member``)."""
    keys = [normalise(email)] + ([erased_key] if erased_key else [])
    return Suppression.objects(email__in=keys).only("email").first() is not None


def recent_deliveries(limit: int, status: str | None = None) -> list[dict[str, Any]]:
    """The latest deliveries, newest first; only those in ``status`` if given (``pending``,
    ``sending``, ``sent``, ``refused``, ``failed``, ``suppressed``)."""
    rows = Delivery.objects(**({"status": status} if status else {}))
    rows = rows.exclude("raw").order_by("-created_at").limit(min(limit, MAX_LISTED))
    return [_row(delivery) for delivery in rows]


def _row(delivery: Delivery) -> dict[str, Any]:
    row = delivery.to_mongo().to_dict()
    row.pop("_id", None)
    row.pop("raw", None)  # the message itself stays in the database
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in row.items()
    }


def deliveries_to(address: str) -> list[Delivery]:
    """The delivery log's entries to ``address`` (normalised), without the raw messages.
    Scans the log (no index on the address): exports and erasures are rare."""
    found = Delivery.objects(to__icontains=address).exclude("raw").order_by("created_at")
    # ``to`` is ``Name <address>``: an address that merely contains theirs is not theirs.
    return [d for d in found if normalise(parseaddr(d.to)[1]) == address]


def export_member(who: Caller) -> dict[str, Any]:
    """What notifications holds about the caller: the contact kept from the gateway's events,
    the emails sent (or due) to their address, whether that address unsubscribed."""
    require_signed_in(who, "export your data")
    contact = Contact.objects(member_id=who.member_id).first() if who.member_id else None
    addresses = {normalise(a) for a in (who.email, contact and contact.email) if a}
    if who.operator:
        addresses = set()  # no member behind the operator's token
    rows = [_row(d) for address in sorted(addresses) for d in deliveries_to(address)]
    for row in rows:  # the SMTP envelope is machinery, not about them
        for field in ("rcpt", "mail_from", "claimed_until", "smtputf8"):
            row.pop(field, None)
    return {
        "service": SERVICE,
        "contact": _contact(contact),
        "deliveries": rows,
        "unsubscribed": any(is_suppressed(address) for address in addresses),
        # The kinds of message they chose, per address (preferences.py).
        "email_preferences": {a: preferences.choices_of(a) for a in sorted(addresses)},
        # The places the gateway said they manage (their managers are told of bookings).
        "manages_places": managers.places_managed_by(who.member_id) if who.member_id else [],
    }


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        "member_id": contact.member_id,
        "email": contact.email,
        "name": contact.name,
        "language": contact.language,
        "timezone": contact.timezone,
    }
