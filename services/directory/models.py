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
    )
    name = StringField(required=True, max_length=160)
    trade = StringField(required=True)
    categories = ListField(StringField(), required=True)
    commune = StringField(required=True)
    commune_key = StringField(required=True)
    postal_code = StringField(required=True)
    insee_code = StringField()
    location = PointField(required=True)  # GeoJSON [lon, lat], 2dsphere-indexed
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
        lat, lon = self.point()
        record = {"id": str(self.id), "location": {"lat": lat, "lon": lon}}
        for field in self.RECORD:
            value = getattr(self, field)
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


DOCUMENTS = (Place, RecordChange, Actor, ContactRequest, ContactCount)
