"""A place's managers: who they are (a projection of the gateway's ``place_managers_changed``)
and the emails they get about the place's bookings when its resource says so
(``notify_managers`` in ``booking_confirmed``, ``booking_requested``, ``booking_cancelled``).

Booking knows neither who manages a place nor their addresses; the gateway tells who (member
ids), and the contact projection (``Contact``) gives each one's address, name and language.
A manager not (or no longer) in the contacts gets nothing: no address, no email.
"""

from __future__ import annotations

from typing import Any

from mongoengine.errors import NotUniqueError

from services.common.settings import Settings

from . import compose
from .models import Contact, ErasedMember, PlaceManagers
from .rules import normalise, token_for

TOPIC = "bookings"  # what a place's managers are told of: its bookings


def keep_place_managers(event: dict[str, Any], erased_digest) -> bool:
    """``place_managers_changed``: the place's managers now. Idempotent and order-proof: taken
    only when its ``version`` is higher than the one held; an erased member is never put
    back (an event from before their erasure arriving late). True when changed."""
    data = event["data"]
    digests = {member_id: erased_digest(member_id) for member_id in data["manager_ids"]}
    erased = {e.digest for e in ErasedMember.objects(digest__in=list(digests.values()))}
    ids = [member_id for member_id, digest in digests.items() if digest not in erased]
    try:
        PlaceManagers(place_id=data["place_id"], manager_ids=ids, version=data["version"]).save(
            force_insert=True
        )
        return True
    except NotUniqueError:
        pass
    changed = PlaceManagers.objects(place_id=data["place_id"], version__lt=data["version"])
    return bool(changed.update_one(set__manager_ids=ids, set__version=data["version"]))


def forget_manager(member_id: str) -> int:
    """An erased member manages nothing here any more; the number of places they left."""
    return PlaceManagers.objects(manager_ids=member_id).update(pull__manager_ids=member_id)


def places_managed_by(member_id: str) -> list[str]:
    """The places this service believes the member manages (their export)."""
    return sorted(p.place_id for p in PlaceManagers.objects(manager_ids=member_id).only("place_id"))


def recipients(data: dict[str, Any]) -> list[Contact]:
    """The managers of the booking's place to tell: not the member who acted (a manager
    booking for someone gets no copy of their own act), not the person booked (they get
    their own email), only those whose address is known."""
    place = PlaceManagers.objects(place_id=data["place_id"]).first()
    ids = [m for m in (place.manager_ids if place else []) if m != data.get("acted_by")]
    if not ids:
        return []
    person = normalise(data["email"]) if data.get("email") else None
    found = Contact.objects(member_id__in=ids).order_by("member_id")
    return [contact for contact in found if normalise(contact.email) != person]


def notify_managers(
    settings: Settings, event: dict[str, Any], kind: str, record, secret: bytes
) -> int:
    """Record one email per manager of the place for a booking event of a resource with
    ``notify_managers``; the number recorded now (a redelivered event records none: the
    delivery's key is the event, the kind and the manager's id). A date of a series booked or
    cancelled with the others tells nobody (as for the person: the series is one act)."""
    data = event["data"]
    if kind not in compose.MANAGER_EVENTS or not data.get("notify_managers"):
        return 0
    if data.get("series_cancel") or (kind == "booking_confirmed" and data.get("series_id")):
        return 0
    recorded = 0
    for contact in recipients(data):
        message = compose.manager_booking_message(
            kind,
            data,
            manager_name=contact.name,
            manager_email=contact.email,
            language=contact.language,
            mail_from=settings.mail_from,
            public_url=settings.public_url,
            unsubscribe_token=token_for(secret, contact.email),
        )
        delivery = f"manager_{kind}"
        recorded += record(
            event["event_id"], delivery, message, key_to=contact.member_id, topic=TOPIC
        )
    return recorded
