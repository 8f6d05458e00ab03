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
    """A place's full record (``contracts.directory.PlaceIn``) and what its search needs:
    folded ``keywords``, ``name_key``, ``commune_key``, ``network_keys`` (equalities on
    indexes), the point (2dsphere). ``version`` counts its writes (a guard for each write and
    the order of its events); ``update_keys`` / ``update_prints`` remember the last writes'
    idempotency keys and fingerprints."""

    meta = collection_meta(
        ALIAS,
        "places",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
        {"fields": ["slug"], "unique": True, "sparse": True},
        "status",
        "keywords",
        "kinds",
        "equipment",
        "commune_key",
        "network_keys",
        "name_key",
        "update_keys",
    )
    name = StringField(required=True, max_length=160)
    commune = StringField(required=True)
    postal_code = StringField(required=True)
    status = StringField(required=True)
    location = PointField(required=True)  # GeoJSON [lon, lat], 2dsphere-indexed
    slug = StringField()
    insee_code = StringField()
    street_address = StringField()
    kinds = ListField(StringField())
    equipment = ListField(StringField())
    seats = DictField()
    opening_hours = StringField()
    contact = DictField()
    summary = StringField()
    description = StringField()
    networks = ListField(StringField())
    photos = ListField(StringField())
    siret = StringField()
    rna = StringField()
    status_since = StringField()  # ISO date
    # Every status the place had: {"from", "to", "since", "by", "at"}.
    status_history = ListField(DictField())
    keywords = ListField(StringField())
    name_key = StringField()
    commune_key = StringField()
    network_keys = ListField(StringField())
    version = IntField(default=0)
    update_keys = ListField(StringField())
    update_prints = ListField(StringField())
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField()

    def to_dict(self) -> dict:
        return place_dict(self.to_mongo().to_dict())


def place_dict(doc: dict) -> dict:
    """The public record (``PlaceOut``) of a stored document (a raw one from a projection
    too); earlier places have only their first five fields."""
    location = doc.get("location") or {}
    lon, lat = location["coordinates"] if isinstance(location, dict) else location
    return {
        "id": str(doc["_id"]),
        "name": doc["name"],
        "commune": doc["commune"],
        "postal_code": doc["postal_code"],
        "status": doc["status"],
        "location": {"lat": lat, "lon": lon},
        "slug": doc.get("slug"),
        "insee_code": doc.get("insee_code"),
        "street_address": doc.get("street_address"),
        "kinds": doc.get("kinds") or [],
        "equipment": doc.get("equipment") or [],
        "seats": doc.get("seats") or {"resident": 0, "drop_in": 0, "training": 0},
        "opening_hours": doc.get("opening_hours"),
        "contact": doc.get("contact") or {"phone": None, "emails": [], "website": None},
        "summary": doc.get("summary"),
        "description": doc.get("description"),
        "networks": doc.get("networks") or [],
        "photos": doc.get("photos") or [],
        "siret": doc.get("siret"),
        "rna": doc.get("rna"),
        "status_since": doc.get("status_since"),
        "version": doc.get("version") or 0,
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
