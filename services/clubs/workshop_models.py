"""Workshops and events with RSVP: their documents (the Club is ``models.py``).

A ``Workshop`` is also its own seat counter: ``taken`` confirmed seats out of ``capacity``,
changed only by conditional atomic updates by ``_id`` (``rsvps.py``), so that two members
can never both take the last seat and a freed seat goes to exactly one waiting member.
An ``Rsvp`` is one member's answer; ``active`` (``<workshop_id>:<member_id>``, unset once
cancelled) is unique, so a member holds at most one live RSVP per workshop, whatever races.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    IntField,
    StringField,
)

from contracts.clubs import DEFAULT_TIMEZONE
from services.common.clock import utc_now
from services.common.db import collection_meta
from services.common.outbox import OutboxDocument

from .models import ALIAS


class Workshop(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "workshops",
        "start",
        "place_id",
        "club_id",
        {"fields": ["settle_at"], "sparse": True},
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
    )
    title = StringField(required=True)
    description = StringField(default="")
    place_id = StringField(required=True)
    place_name = StringField()  # a label for emails and pages (the directory's name)
    club_id = StringField()
    organiser_id = StringField()
    start = DateTimeField(required=True)
    end = DateTimeField(required=True)
    timezone = StringField(default=DEFAULT_TIMEZONE)
    capacity = IntField(required=True)
    taken = IntField(default=0)  # confirmed seats: the counter
    visibility = StringField(default="public")
    min_participants = IntField(default=0)
    deadline = DateTimeField()
    settle_at = DateTimeField()  # set while a minimum waits for its deadline (the timer's)
    status = StringField(default="scheduled")
    cancel_reason = StringField()
    room = DictField(default=lambda: {"status": "requested"})
    sequence = IntField(default=0)  # up by one at each change of times (the room protocol)
    attendance_taken_at = DateTimeField()
    present = IntField()
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)

    def info(self) -> dict:
        """The fields every workshop event carries (``contracts.clubs.WorkshopInfo``)."""
        return {
            "workshop_id": str(self.id),
            "club_id": self.club_id,
            "place_id": self.place_id,
            "title": self.title,
            "start": self.local(self.start),
            "end": self.local(self.end),
            "timezone": self.timezone,
            "place_name": self.place_name,
            "sequence": self.sequence or 0,
        }

    def local(self, moment: datetime) -> str:
        """An instant as the place's local time with its offset (what people read)."""
        return moment.astimezone(ZoneInfo(self.timezone or DEFAULT_TIMEZONE)).isoformat()

    def to_dict(self, waiting: int = 0, may_organise: bool = False) -> dict:
        return {
            "id": str(self.id),
            "title": self.title,
            "description": self.description,
            "place_id": self.place_id,
            "club_id": self.club_id,
            "organiser_id": self.organiser_id,
            "place_name": self.place_name,
            "start": self.local(self.start),
            "end": self.local(self.end),
            "timezone": self.timezone,
            "capacity": self.capacity,
            "taken": self.taken,
            "waiting": waiting,
            "visibility": self.visibility,
            "min_participants": self.min_participants,
            "deadline": self.local(self.deadline) if self.deadline else None,
            "status": self.status,
            "cancel_reason": self.cancel_reason,
            "room": {"status": "requested", **(self.room or {})},
            "attendance_taken": self.attendance_taken_at is not None,
            "present": self.present,
            "may_organise": may_organise,
        }


class Rsvp(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "rsvps",
        ("workshop_id", "status", "created_at"),
        "member_id",
        {"fields": ["active"], "unique": True, "sparse": True},
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
    )
    workshop_id = StringField(required=True)
    member_id = StringField(required=True)
    name = StringField()
    email = StringField()
    language = StringField(default="fr")
    status = StringField(default="waitlisted")
    active = StringField()  # "<workshop_id>:<member_id>" while not cancelled
    told_waitlisted = BooleanField(default=False)
    attended = BooleanField()
    idempotency_key = StringField()
    fingerprint = StringField()
    created_at = DateTimeField(default=utc_now)
    cancelled_at = DateTimeField()

    def to_dict(self, private: bool = True) -> dict:
        return {
            "id": str(self.id),
            "workshop_id": self.workshop_id,
            "member_id": self.member_id,
            "name": self.name if private else None,
            "email": self.email if private else None,
            "status": self.status,
            "attended": self.attended,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }


WORKSHOP_DOCUMENTS = (Workshop, Rsvp)
