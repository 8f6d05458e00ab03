"""The places named in the footer of their emails: name, address and contact, kept from the
directory's ``place_*`` events (a small projection, ``PlaceCard``). A place not heard of
yet: no footer, the email goes anyway."""

from __future__ import annotations

from typing import Any

from mongoengine.errors import NotUniqueError

from .models import PlaceCard
from .rules import event_time_us

# What the footer shows, from whichever of these fields the place's events carry.
FIELDS = ("name", "address", "postal_code", "commune", "email", "phone")


def keep_place(event: dict[str, Any]) -> bool:
    """``place_created`` / ``place_updated``: the place's card. Idempotent and order-proof
    (an older event arriving late changes nothing); True when changed."""
    data = event["data"]
    occurred = event_time_us(event.get("occurred_at"))
    values = {name: data[name] for name in FIELDS if data.get(name) is not None}
    if not values:
        return False
    try:
        PlaceCard(place_id=data["place_id"], event_time_us=occurred, **values).save(
            force_insert=True
        )
        return True
    except NotUniqueError:
        pass
    newer = PlaceCard.objects(place_id=data["place_id"], event_time_us__lt=occurred)
    changes = {f"set__{name}": value for name, value in values.items()}
    return bool(newer.update_one(set__event_time_us=occurred, **changes))


def card(place_id: str | None) -> dict[str, str] | None:
    """The footer's fields of a place, or None when unknown (one read by ``_id``)."""
    if not place_id:
        return None
    found = PlaceCard.objects(place_id=place_id).first()
    if found is None or not found.name:
        return None
    return {name: getattr(found, name) or "" for name in FIELDS}


def with_card(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data with its place's card (``place_card``) for the footer; data that
    carries it already (read once per event, for its person and its managers) as it is."""
    if "place_card" in data:
        return data
    return {**data, "place_card": card(data.get("place_id"))}


def event_with_card(event: dict[str, Any]) -> dict[str, Any]:
    """The event, its data with the place's card (``with_card``)."""
    return {**event, "data": with_card(event["data"])}
