"""Directory documents."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    Document,
    FloatField,
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
    indexes), the point and its grid ``cells`` (``rules.cells``). ``version`` counts its
    writes (a guard for each write and the order of its events); ``update_keys`` /
    ``update_prints`` remember the last writes' idempotency keys and fingerprints."""

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
        "cells",
    )
    name = StringField(required=True, max_length=160)
    commune = StringField(required=True)
    postal_code = StringField(required=True)
    status = StringField(required=True)
    # GeoJSON [lon, lat]; searched through ``cells``, so no 2dsphere index to keep up on writes.
    location = PointField(required=True, auto_index=False)
    cells = ListField(StringField())  # grid cells of the location (rules.cells), indexed
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


# == Local actors and contact requests (dir-actors) ========================================
class Actor(OutboxDocument):
    """A local actor of the showcase. ``keywords``: folded words and prefixes of its name,
    trade, tags, summary, commune and categories (``rules.actors.actor_keywords``);
    ``commune_key``: its commune folded, for the commune filter."""

    meta = collection_meta(
        ALIAS,
        "actors",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
        ("status", "keywords"),
        ("status", "categories"),
        "commune_key",
        "networks",
        "place_id",
        "owner_id",
        "-service_radius_km",
        "cells",
    )
    name = StringField(required=True, max_length=160)
    trade = StringField(required=True)
    categories = ListField(StringField(), required=True)
    commune = StringField(required=True)
    commune_key = StringField(required=True)
    postal_code = StringField(required=True)
    insee_code = StringField()
    # GeoJSON [lon, lat]; searched through ``cells``, so no 2dsphere index to keep up on writes.
    location = PointField(required=True, auto_index=False)
    cells = ListField(StringField())  # grid cells of the location (rules.cells), indexed
    service_radius_km = FloatField()
    tags = ListField(StringField())
    summary = StringField()
    website = StringField()
    email = StringField()
    phone = StringField()
    show_contact = BooleanField(default=False)
    place_id = StringField()
    networks = ListField(StringField())
    siret = StringField()
    rna = StringField()
    owner_id = StringField()  # the member who created or claimed it: edits without moderation
    status = StringField(required=True, default="listed")  # listed | removed
    keywords = ListField(StringField())
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)
    updated_at = DateTimeField(default=utc_now)

    RECORD = (
        "name",
        "trade",
        "categories",
        "commune",
        "postal_code",
        "insee_code",
        "service_radius_km",
        "tags",
        "summary",
        "website",
        "email",
        "phone",
        "show_contact",
        "place_id",
        "networks",
        "siret",
        "rna",
        "owner_id",
        "status",
    )

    def point(self) -> tuple[float, float]:
        """(lat, lon)."""
        lon, lat = (
            self.location["coordinates"] if isinstance(self.location, dict) else self.location
        )
        return lat, lon

    def to_dict(self) -> dict:
        """The whole record (contact included): callers decide what a reader sees."""
        return actor_record(self.to_mongo().to_dict())


# What an actor's record holds when its document has no such field (the model's defaults).
ACTOR_DEFAULTS = {
    "categories": [],
    "tags": [],
    "networks": [],
    "show_contact": False,
    "status": "listed",
}


def actor_record(doc: dict) -> dict:
    """An actor's whole record (contact included) from its stored document (a raw one from
    a projection too): callers decide what a reader sees."""
    location = doc["location"]
    lon, lat = location["coordinates"] if isinstance(location, dict) else location
    record = {"id": str(doc["_id"]), "location": {"lat": lat, "lon": lon}}
    for field in Actor.RECORD:
        value = doc.get(field, ACTOR_DEFAULTS.get(field))
        record[field] = list(value) if isinstance(value, list) else value
    return record


class ContactRequest(OutboxDocument):
    """A visitor's message to an actor or a place. The recipient answers through
    ``/contact/reply/<token>``; only the token's SHA-256 is kept (``token_hash``)."""

    meta = collection_meta(
        ALIAS,
        "contact_requests",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
        {"fields": ["token_hash"], "unique": True},
        ("target_type", "target_id"),
    )
    target_type = StringField(required=True)
    target_id = StringField(required=True)
    recipient_email = StringField(required=True)
    recipient_name = StringField(required=True)
    sender_name = StringField(required=True)
    sender_email = StringField(required=True)
    message = StringField(required=True)
    language = StringField(default="fr")
    token_hash = StringField(required=True)
    reply = StringField()
    reply_shared_email = BooleanField()
    replied_at = DateTimeField()
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)


class ContactCount(Document):
    """Counts of contact requests, one document per (period, target): ``day:`` ids hold the
    recipient's daily limit (a conditional ``$inc``), ``month:`` ids the coordinator's
    figures (requests and replies, never content)."""

    meta = collection_meta(ALIAS, "contact_counts", ("kind", "period"))
    id = StringField(primary_key=True)  # "<kind>:<period>:<target_type>:<target_id>"
    kind = StringField(required=True)  # "day" | "month"
    period = StringField(required=True)  # "2026-11-26" | "2026-11"
    target_type = StringField(required=True)
    target_id = StringField(required=True)
    n = IntField(default=0)
    replied = IntField(default=0)


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


DOCUMENTS = (Place, RecordChange, Actor, ContactRequest, ContactCount, Contribution, ImportedRow)
