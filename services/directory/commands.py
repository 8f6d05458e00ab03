"""What the directory does over its documents; writes are idempotent by key."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from mongoengine.errors import NotUniqueError

from services.common.errors import IdempotencyMismatch, NotFound
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from .models import Place
from .schemas import PlaceIn


def create_place(payload: dict, key: str, events: EventStager) -> dict:
    data = parse(PlaceIn, payload)
    digest = fingerprint(data.model_dump(mode="json"))
    existing = Place.objects(idempotency_key=key).first()
    if existing is None:
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
        place.outbox = [
            events.event(
                "place_created", {"place_id": str(place.id), **data.model_dump(mode="json")}
            )
        ]
        try:
            place.save(force_insert=True)
            events.flush()
            return place.to_dict()
        except NotUniqueError:
            existing = Place.objects(idempotency_key=key).first()
    if existing.fingerprint != digest:
        raise IdempotencyMismatch("this Idempotency-Key was used for a different place")
    return existing.to_dict()


def get_place(place_id: str) -> dict:
    try:
        place = Place.objects(id=ObjectId(place_id)).first()
    except (InvalidId, TypeError):
        place = None
    if place is None:
        raise NotFound(f"no place {place_id}")
    return place.to_dict()


def list_places(status: str | None = None) -> list[dict]:
    query = Place.objects(status=status) if status else Place.objects
    return [p.to_dict() for p in query.order_by("name")]
