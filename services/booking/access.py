"""Who may see and do what with resources and bookings: pure functions of the object, its
place and the caller (``contracts.identity.Caller``, from the RPC context), so that the rule
holds whoever calls the service, with or without the gateway.

- A **manager** of a place (the facilitator) creates its resources, books for someone
  (Marceline, who called: her name and phone or email), sees and cancels its bookings. A
  territory admin (and the operator) may do so for every place.
- The **owner** of a booking is the member who made it signed in (``member_id``), or any
  member whose confirmed address is the booking's email (compared lower-case): a booking
  made by a facilitator for Marceline is hers once she has an account.
- **Territory staff** (the operator, a territory admin, a coordinator) see and cancel every
  booking.
- Anyone else sees a booking without the person (no name, no email, no phone) and cannot
  cancel it; booking at all needs to be signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.booking import BookingIn
from contracts.errors import ValidationFailed
from contracts.identity import Caller
from services.common.identity import is_territory_staff, require, require_signed_in

# What anyone may read of a booking: no one's name, address or phone.
PUBLIC_FIELDS = ("id", "resource_id", "start", "end", "seats", "status")
PERSONAL_FIELDS = ("name", "email", "phone", "language")


def email_key(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def is_owner(booking: Any, who: Caller) -> bool:
    if who.member_id and getattr(booking, "member_id", None) == who.member_id:
        return True
    mine = email_key(who.email)
    return bool(mine) and not who.operator and email_key(booking.email) == mine


def owner_or_staff(booking: Any, who: Caller, place_id: str | None = None) -> bool:
    """Who sees the person of a booking and may cancel it: its owner, a manager of its place
    (``place_id``), territory staff."""
    return is_territory_staff(who) or who.manages_place(place_id) or is_owner(booking, who)


def runs_place(who: Caller, place_id: str | None) -> bool:
    """Who runs a place's desk: a manager of the place or territory staff. They approve and
    reject requests, check people in, record outcomes, read the planning; their own bookings
    need no approval."""
    return is_territory_staff(who) or who.manages_place(place_id)


def without_person(shown: dict) -> dict:
    """The booking as anyone may read it: the person's fields are null."""
    return {**shown, **dict.fromkeys(PERSONAL_FIELDS)}


def shown_to(booking: Any, who: Caller, place_id: str | None = None) -> dict:
    shown = booking.to_dict()
    return shown if owner_or_staff(booking, who, place_id) else without_person(shown)


def check_create_resource(who: Caller, place_id: str) -> None:
    require(who.manages_place(place_id), who, "create a resource", "place", place_id)


def check_update_resource(who: Caller, place_id: str) -> None:
    """A resource's rules are its place's managers' (or a territory admin's) to change."""
    require(who.manages_place(place_id), who, "change a resource", "place", place_id)


@dataclass(frozen=True)
class Booker:
    """The person a booking is for, as it will be stored."""

    name: str
    email: str | None
    phone: str | None
    member_id: str | None


def booker(data: BookingIn, who: Caller, place_id: str) -> Booker:
    """Whose booking this is.

    - A manager of the place (or a territory admin) who names someone — ``email`` or
      ``phone`` — books for that person: ``name`` is then required, and the booking belongs
      to whoever holds that address (not to the manager).
    - Anyone else signed in books for themselves: their account's address (another one is
      refused), ``name`` defaulting to the account's; a phone they give is kept.
    """
    require_signed_in(who, "book")
    if data.email is not None:
        names_someone = email_key(data.email) != email_key(who.email)
    else:
        names_someone = data.phone is not None  # a phone alone: someone without an address
    if names_someone:
        require(who.manages_place(place_id), who, "book for someone else", "place", place_id)
        if data.name is None:
            raise ValidationFailed("the name of the person is required", field="name")
        return Booker(data.name, data.email, data.phone, None)
    if not who.email:  # the operator has no address of their own
        raise ValidationFailed("the email or phone of the person is required", field="email")
    name = data.name or who.name or who.email
    return Booker(name, who.email, data.phone, who.member_id)
