"""Directory documents."""

from __future__ import annotations

from mongoengine import DateTimeField, PointField, StringField

from services.common.clock import utc_now
from services.common.db import collection_meta
from services.common.outbox import OutboxDocument

ALIAS = "directory"


class Place(OutboxDocument):
    meta = collection_meta(
        ALIAS, "places", {"fields": ["idempotency_key"], "unique": True, "sparse": True}, "status"
    )
    name = StringField(required=True, max_length=160)
    commune = StringField(required=True)
    postal_code = StringField(required=True)
    status = StringField(required=True)
    location = PointField(required=True)  # GeoJSON [lon, lat], 2dsphere-indexed
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)

    def to_dict(self) -> dict:
        lon, lat = (
            self.location["coordinates"] if isinstance(self.location, dict) else self.location
        )
        return {
            "id": str(self.id),
            "name": self.name,
            "commune": self.commune,
            "postal_code": self.postal_code,
            "status": self.status,
            "location": {"lat": lat, "lon": lon},
        }


DOCUMENTS = (Place,)
