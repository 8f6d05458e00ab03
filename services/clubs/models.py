"""Clubs documents. Invariants live in indexes and conditional updates, not in Python:

- one membership document per member per club, whatever they do (unique ``club_id,
  member_id``): joining twice at once makes one, a join request and its answer are the same
  document moving from ``requested`` to ``member`` or ``refused`` by conditional updates;
- one president per club: the club's own ``president_id`` field (None: the host place acts),
  changed only by a conditional update on its previous value.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mongoengine import (
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    IntField,
    ListField,
    StringField,
)

from services.common.clock import utc_now
from services.common.db import collection_meta
from services.common.outbox import OutboxDocument

ALIAS = "clubs"

# A membership's status.
MEMBER = "member"
REQUESTED = "requested"
REFUSED = "refused"
LEFT = "left"


def iso(moment: datetime | None) -> str | None:
    """An aware ISO text (mongomock hands naive UTC datetimes back)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


class Club(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "clubs",
        "place_id",
        {"fields": ["idempotency_key"], "unique": True, "sparse": True},
    )
    name = StringField(required=True, max_length=120)
    purpose = StringField(default="")
    place_id = StringField()  # the host place
    president_id = StringField()  # None: the host place acts as president
    president_name = StringField()
    status = StringField(default="incubating")
    status_changed_at = DateTimeField()
    status_changed_by = StringField()
    join_policy = StringField(default="open")
    members_visible = BooleanField(default=True)
    members_count = IntField(default=0)  # kept by the membership writes ($inc)
    created_by = StringField()
    created_at = DateTimeField(default=utc_now)
    idempotency_key = StringField()
    fingerprint = StringField()

    @property
    def acting_place(self) -> bool:
        return self.president_id is None

    def to_dict(self) -> dict:
        return {
            "id": str(self.id),
            "name": self.name,
            "purpose": self.purpose or "",
            "place_id": self.place_id,
            "president_id": self.president_id,
            "president_name": self.president_name,
            "acting_place": self.acting_place,
            "status": self.status or "incubating",
            "status_changed_at": iso(self.status_changed_at),
            "status_changed_by": self.status_changed_by,
            "join_policy": self.join_policy or "open",
            "members_visible": self.members_visible is not False,
            "members_count": max(self.members_count or 0, 0),
        }


class Membership(OutboxDocument):
    """A member's standing in a club: ``member``, ``requested``, ``refused`` or ``left``.
    ``role``: ``co_organiser`` or ``member`` (the president is the club's ``president_id``)."""

    meta = collection_meta(
        ALIAS,
        "memberships",
        {"fields": ["club_id", "member_id"], "unique": True},
        "member_id",
        ("club_id", "status"),
    )
    club_id = StringField(required=True)
    member_id = StringField(required=True)
    name = StringField()  # as the member gave it, for the members list
    status = StringField(required=True)
    role = StringField(default="member")
    joined_at = DateTimeField()
    requested_at = DateTimeField()
    answered_by = StringField()
    changed_at = DateTimeField(default=utc_now)
    # The keys already applied to this membership: a retry answers without writing again.
    keys = ListField(StringField())


class Announcement(OutboxDocument):
    meta = collection_meta(
        ALIAS,
        "announcements",
        ("club_id", "-posted_at"),
        {"fields": ["idempotency_key"], "unique": True},
    )
    club_id = StringField(required=True)
    author_id = StringField()
    subject = StringField(required=True)
    body = StringField(required=True)
    recipients = IntField(default=0)
    posted_at = DateTimeField(default=utc_now)
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)

    def to_dict(self) -> dict:
        return {
            "id": str(self.id),
            "club_id": self.club_id,
            "author_id": self.author_id,
            "subject": self.subject,
            "body": self.body,
            "posted_at": iso(self.posted_at),
            "recipients": self.recipients,
        }


class MeetingSeries(OutboxDocument):
    """A club's recurring meeting (services/clubs/meetings.py): the rule as asked and how far
    its occurrences are written (``scheduled_until``, local date, extended by a timer)."""

    meta = collection_meta(
        ALIAS,
        "meeting_series",
        {"fields": ["idempotency_key"], "unique": True},
        "club_id",
        "open",
    )
    club_id = StringField(required=True)
    place_id = StringField()
    title = StringField(required=True)
    request = DictField(required=True)  # the MeetingSeriesIn as JSON
    scheduled_until = DateField()
    open = BooleanField(default=True)  # an open series (no ``until``) is extended by the timer
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    created_at = DateTimeField(default=utc_now)


class Meeting(OutboxDocument):
    """One occurrence of a series: ``_id`` is chosen from the series and its original local
    date, so that writing an occurrence twice (a retry, the timer racing a creation) keeps
    one. ``sequence`` grows with each change (its events carry it; booking's answers too).
    ``room_*``: booking's latest answer for ``room_sequence``."""

    meta = collection_meta(ALIAS, "meetings", ("club_id", "start"), "series_id")
    id = StringField(primary_key=True)
    club_id = StringField(required=True)
    series_id = StringField(required=True)
    place_id = StringField()
    title = StringField(required=True)
    start = DateTimeField(required=True)  # UTC
    end = DateTimeField(required=True)
    timezone = StringField(default="Europe/Paris")
    status = StringField(default="scheduled", choices=("scheduled", "cancelled"))
    moved = BooleanField(default=False)
    agenda = StringField()
    sequence = IntField(default=1)
    room_wanted = BooleanField(default=True)
    room_state = StringField(default="requested")
    room_sequence = IntField(default=0)
    room = DictField()  # reason, booking_id, resource_name, hours_per_month, hours_used
    # The last change's key (PATCH): a retry with it answers without a second change.
    change_keys = ListField(StringField())


DOCUMENTS = (Club, Membership, Announcement, MeetingSeries, Meeting)
