"""Who may see and do what with a booking: pure functions of the booking and the caller
(``contracts.identity.Caller``, from the RPC context), so that the rule holds whoever calls
the service, with or without the gateway.

- The **owner** of a booking is the member who made it signed in (``member_id``), or any
  member whose confirmed address is the booking's email (compared lower-case): a booking
  made anonymously, or by a facilitator for Marceline, is hers once she has an account.
- **Territory staff** (the operator, a territory admin, a coordinator) see and cancel every
  booking.
- Anyone else sees a booking without the person (no name, no email) and cannot cancel it.
"""

from __future__ import annotations

from typing import Any

from contracts.identity import Caller
from services.common.identity import is_territory_staff

# What anyone may read of a booking: no one's name or address.
PUBLIC_FIELDS = ("id", "resource_id", "start", "end", "seats", "status")
PERSONAL_FIELDS = ("name", "email", "language")


def email_key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def is_owner(booking: Any, who: Caller) -> bool:
    if who.member_id and getattr(booking, "member_id", None) == who.member_id:
        return True
    mine = email_key(who.email)
    return bool(mine) and not who.operator and email_key(booking.email) == mine


def owner_or_staff(booking: Any, who: Caller) -> bool:
    """Who sees the person of a booking and may cancel it."""
    return is_territory_staff(who) or is_owner(booking, who)


def without_person(shown: dict) -> dict:
    """The booking as anyone may read it: the person's fields are null."""
    return {**shown, **dict.fromkeys(PERSONAL_FIELDS)}


def shown_to(booking: Any, who: Caller) -> dict:
    shown = booking.to_dict()
    return shown if owner_or_staff(booking, who) else without_person(shown)
