"""What the directory writes; every write is idempotent by key and stages its events."""

from __future__ import annotations

from bson import ObjectId

from contracts.directory import PlaceCreated, PlaceIn
from contracts.identity import ANONYMOUS, Caller, TerritoryRole
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from .models import Place


def may_create_place(who: Caller) -> bool:
    """A coordinator or a territory admin adds places directly (proposals by any member wait
    for the directory's moderation)."""
    return who.admin or who.has_role(TerritoryRole.coordinator)


def create_place(payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS) -> dict:
    require(may_create_place(who), who, "create a place", "place")
    data = parse(PlaceIn, payload)
    digest = fingerprint(data.model_dump(mode="json"))

    def build() -> Place:
        place = Place(
            id=ObjectId(),
            name=data.name,
            commune=data.commune,
            postal_code=data.postal_code,
            status=data.status.value,
            location=[data.location.lon, data.location.lat],
            idempotency_key=key,
            fingerprint=digest,
        )
        announced = data.model_dump(mode="json", include=set(PlaceCreated.model_fields))
        payload = {"place_id": str(place.id), **announced}
        place.stage(events.event("place_created", payload))
        return place

    place = insert_once(Place, key, digest, build, "place")
    events.flush()
    return place.to_dict()
