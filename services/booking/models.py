"""Booking documents. Invariants live in indexes and conditional updates, not in Python."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    EmailField,
    FloatField,
    IntField,
    ListField,
    StringField,
)

from contracts.booking import ResourceSettings
from services.common.clock import utc_now
from services.common.db import collection_meta
from services.common.outbox import OutboxDocument

from .rules import states

ALIAS = "booking"


class Resource(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "resources",
        "place_id",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
    )
    place_id = StringField(required=True)
    name = StringField(required=True, max_length=120)
    kind = StringField(required=True)
    seats = IntField(required=True, min_value=1)
    # The booking rules (``contracts.booking.ResourceSettings`` as JSON, only the fields set):
    # absent from earlier versions' resources, which read as the defaults.
    settings = DictField()
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)

    def rules(self) -> ResourceSettings:
        return ResourceSettings.model_validate(self.settings or {})

    def to_dict(self) -> dict:
        return {
            "id": str(self.id),
            "place_id": self.place_id,
            "name": self.name,
            "kind": self.kind,
            "seats": self.seats,
            **self.rules().model_dump(mode="json"),
        }


class Booking(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "bookings",
        {"fields": ["idempotency_key"], "unique": True},
        ("resource_id", "start"),
        "status",
        {"fields": ["member_id"], "sparse": True},
        {"fields": ["email_key"], "sparse": True},
    )
    resource_id = StringField(required=True)
    # The resource's place, for its managers' rights (absent from earlier versions' bookings:
    # queries.place_of then reads the resource).
    place_id = StringField()
    start = DateTimeField(required=True)
    end = DateTimeField(required=True)
    # The offset the person wrote, so that emails show their local time.
    utc_offset_minutes = IntField(default=0)
    seats = IntField(required=True, min_value=1)
    name = StringField(required=True)
    # The contract (pydantic EmailStr) accepts internationalised addresses (véronique@…):
    # so must the document, or saving such a booking fails as an internal error.
    # None when a manager booked for someone reached by phone only.
    email = EmailField(allow_utf8_user=True)
    phone = StringField()
    language = StringField(default="fr")
    # Whose booking it is (access.py): the member signed in when it was made, if any, and
    # the email lower-cased (a member whose confirmed address it is owns it too). Bookings of
    # earlier versions have no ``email_key``: ``my_bookings`` does not list them.
    member_id = StringField()
    email_key = StringField()
    # The Idempotency-Key of the cancellation that won, and who cancelled (owner | staff).
    cancel_key = StringField()
    cancelled_by = StringField()
    # See rules/states.py; changed only by commands.move, a conditional update on
    # {_id, status: <from>}. May still read "pending" (earlier versions' "held").
    status = StringField(required=True, default=states.HELD, choices=sorted(states.STORED))
    # When the status last changed (set by every move; unset until the first): the sweep
    # measures a held booking's age from it, or from its creation.
    status_changed_at = DateTimeField()
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    created_at = DateTimeField(default=utc_now)

    def held_since(self) -> datetime:
        """When this booking entered its current status: its creation until a first move
        (and for documents of earlier versions)."""
        return self.status_changed_at or self.created_at

    def to_dict(self) -> dict:
        tz = timezone(timedelta(minutes=self.utc_offset_minutes or 0))
        return {
            "id": str(self.id),
            "resource_id": self.resource_id,
            "start": self.start.astimezone(tz).isoformat(),
            "end": self.end.astimezone(tz).isoformat(),
            "seats": self.seats,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "language": self.language,
            "status": states.canonical(self.status),
        }


class SlotLoad(Document):
    """Seats taken on one resource for one quarter hour, with the bookings holding them.

    ``_id`` is ``<resource_id>:<slot>`` (unique by construction); a conditional ``$inc`` on
    it is the capacity rule (see ``capacity``).
    """

    meta = collection_meta(ALIAS, "slot_loads", "resource_id")
    id = StringField(primary_key=True)
    resource_id = StringField(required=True)
    slot = DateTimeField(required=True)
    taken = IntField(default=0)
    holds = ListField(DictField())


class KnownPlace(Document):
    """Projection of the directory's places (from ``place_*`` events), for names in emails
    and the territory's availability search (its point, for distances)."""

    meta = collection_meta(ALIAS, "known_places")
    place_id = StringField(primary_key=True)
    name = StringField()
    commune = StringField()
    # From ``place_created``'s location; absent for places heard of before this version:
    # they are searched without a distance.
    lat = FloatField()
    lon = FloatField()
    updated_at = DateTimeField(default=utc_now)


DOCUMENTS = (Resource, Booking, SlotLoad, KnownPlace)
