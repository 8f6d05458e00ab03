"""A member's rights over what booking holds about them (GDPR): the export (art. 15/20) and
the erasure (art. 17, the gateway's ``member_erased``).

A member's bookings are found as ``queries.my_bookings`` finds them: by ``member_id`` (made
signed in) and by ``email_key`` (their address, lower-cased: made before they had an account,
or by a facilitator for them). One indexed equality each, no ``$or`` (SecantusDB scans for it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from contracts.identity import Caller
from services.common.identity import require_signed_in

from . import access, series
from .models import Booking
from .rules import states

SERVICE = "booking"
# The name an anonymised booking keeps (the field is required): no letter, so it is no
# person's name (``contracts.models.PersonName``) and no search for one can match it.
ERASED_NAME = "—"
# The payload digest of an anonymised booking: it was a digest of the person's fields.
ERASED_FINGERPRINT = "erased"


def _owned(member_id: str | None, email: str | None) -> list[Booking]:
    """Every booking of the member (any status), oldest first, each once."""
    found: dict[Any, Booking] = {}
    if member_id:
        for booking in Booking.objects(member_id=member_id).exclude("outbox"):
            found[booking.id] = booking
    address = access.email_key(email)
    if address:
        for booking in Booking.objects(email_key=address).exclude("outbox"):
            found[booking.id] = booking
    return sorted(found.values(), key=lambda b: (b.created_at, b.id))


def _exported(booking: Booking) -> dict[str, Any]:
    shown = booking.to_dict()
    shown.update(
        place_id=booking.place_id,
        created_at=booking.created_at.isoformat() if booking.created_at else None,
        cancelled_by=booking.cancelled_by,
        # Every status, also those ``my_bookings`` does not list (in flight, refused).
        status=states.canonical(booking.status),
    )
    return shown


def export_member(who: Caller) -> dict[str, Any]:
    """What booking holds about the caller: their bookings, every status, with the phone."""
    require_signed_in(who, "export your data")
    # The operator's caller has neither member id nor address: nothing here is theirs.
    return {
        "service": SERVICE,
        "bookings": [_exported(b) for b in _owned(who.member_id, who.email)],
    }


def _scrubbed(outbox: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The booking's events not relayed yet, without the person: relayed as they were, they
    would name her to their consumers after her erasure (notifications would email her);
    ``acted_by``, a member id, may be hers too."""
    return [
        {
            **event,
            "data": {**event.get("data", {}), "name": ERASED_NAME, "email": None, "acted_by": None},
        }
        if "data" in event
        else event
        for event in outbox
    ]


def erase_member(
    event: dict[str, Any], forget_failures: Callable[[dict[str, Any]], int] | None = None
) -> int:
    """``member_erased``: every booking of the member (by id or by address) is anonymised.
    The person leaves it (name → ``ERASED_NAME``; email, phone, member id and address key
    removed), and the events it still holds for the relay; status, dates, seats, resource,
    place, audience type, commune and channel stay, and an anonymous ``visitor`` token is
    shared by their bookings, so that the counts the funders read do not change.
    Idempotent: a second delivery finds nothing left to change. Returns how many bookings
    were anonymised now.
    ``forget_failures``: the inbox's ``forget_member``, for the failed events naming them."""
    data = event["data"]
    if forget_failures is not None:
        forget_failures(data)
    collection = Booking._get_collection()
    changed = 0
    owned = list(_owned(data.get("member_id"), data.get("email")))
    # Their series hold the request as made (name, address): the person leaves them too.
    series.forget_person({b.series_id for b in owned if b.series_id}, ERASED_NAME, _scrubbed)
    # The funders' figures keep counting the person once (unique visitors) without knowing
    # who: their bookings share a random token instead of the member id and address.
    visitor = f"erased:{uuid.uuid4().hex}"
    for booking in owned:
        changed += Booking.objects(id=booking.id).update_one(
            set__visitor=visitor,
            set__name=ERASED_NAME,
            set__fingerprint=ERASED_FINGERPRINT,
            unset__email=True,
            unset__phone=True,
            unset__member_id=True,
            unset__email_key=True,
        )
        stored = collection.find_one({"_id": booking.id}, {"outbox": 1}) or {}
        if stored.get("outbox"):
            # Only if the relay did not change it meanwhile (it then sent those events).
            collection.update_one(
                {"_id": booking.id, "outbox": stored["outbox"]},
                {"$set": {"outbox": _scrubbed(stored["outbox"])}},
            )
    return changed


def follow_address_change(event: dict[str, Any]) -> int:
    """``member_updated`` with ``previous_email``: the bookings made for the old address
    (by a facilitator, or before the account existed) become the member's by id, so that
    they stay in "my bookings" under the new address. Those of another member are left
    alone. Idempotent; returns how many were claimed now."""
    data = event["data"]
    address = access.email_key(data.get("previous_email"))
    if not address:
        return 0
    claimed = 0
    # Equality on the address only (SecantusDB scans for a second condition); few bookings.
    for booking in Booking.objects(email_key=address).only("id"):
        # Conditional on no member: another member's booking at that address stays theirs.
        claimed += Booking.objects(id=booking.id, member_id=None).update_one(
            set__member_id=data["member_id"]
        )
    return claimed
