"""Directory documents."""

from __future__ import annotations

from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    IntField,
    ListField,
    PointField,
    StringField,
)

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


class Contribution(OutboxDocument):
    """A member's proposal (a new place or actor, or an edit of one) waiting for a
    coordinator. ``status`` moves ``pending`` → ``approved`` | ``rejected`` once, by a
    conditional update on ``_id`` and ``status``. ``name_folded``, ``location`` and ``siret``
    let later proposals find this one as a likely duplicate."""

    meta = collection_meta(
        ALIAS,
        "contributions",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
        ("status", "-submitted_at"),
        ("submitted_by", "-submitted_at"),
        "siret",
        "name_folded",
    )
    type = StringField(required=True)  # "place" | "actor"
    target_id = StringField()  # the record an edit is for
    fields = DictField(required=True)  # the proposed values (validated), JSON-ready
    note = StringField()
    status = StringField(required=True, default="pending")
    name = StringField(required=True)
    name_folded = StringField()
    location = PointField()  # [lon, lat] of a proposed new record
    siret = StringField()
    submitted_by = StringField()
    email = StringField()  # where the answer goes (the contributor's, from the caller)
    contributor_name = StringField()
    language = StringField(default="fr")
    submitted_at = DateTimeField(default=utc_now)
    decided_by = StringField()
    decided_at = DateTimeField()
    reason = StringField()
    record_id = StringField()
    duplicates = ListField(DictField(), default=list)
    idempotency_key = StringField()
    fingerprint = StringField()

    def to_dict(self) -> dict:
        return {
            "id": str(self.id),
            "type": self.type,
            "target_id": self.target_id,
            "fields": self.fields,
            "note": self.note,
            "status": self.status,
            "name": self.name,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "reason": self.reason,
            "record_id": self.record_id,
            "duplicates": list(self.duplicates),
        }


class ImportedRow(Document):
    """One row of an open-data import already applied: ``_id`` is the row's ``id`` column,
    ``digest`` its content, so that importing the same file again changes nothing."""

    meta = collection_meta(ALIAS, "imported_rows")
    id = StringField(primary_key=True)
    place_id = StringField(required=True)
    digest = StringField(required=True)
    imports = IntField(default=1)


DOCUMENTS = (Place, RecordChange, Contribution, ImportedRow)
