"""Directory documents."""

from __future__ import annotations

from mongoengine import DateTimeField, DictField, Document, PointField, StringField

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


class RecordChange(Document):
    """One change to a place or an actor: who, when, what (``changes``: field → [before,
    after]). ``_id`` is made from the write's idempotency key, so a retried write records its
    change once."""

    meta = collection_meta(ALIAS, "record_changes", ("record_type", "record_id", "-at"))
    id = StringField(primary_key=True)
    record_type = StringField(required=True)  # "place" | "actor"
    record_id = StringField(required=True)
    action = StringField(required=True)  # "created" | "updated" | "status_changed" | …
    by = StringField()  # the member's id; None for the operator or an import
    at = DateTimeField(default=utc_now)
    changes = DictField()
    contribution_id = StringField()  # set when the change came from an approved proposal


DOCUMENTS = (Place, RecordChange)
