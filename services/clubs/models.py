"""Clubs documents."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    Document,
    IntField,
    ListField,
    StringField,
)

from services.common.clock import utc_now
from services.common.db import collection_meta
from services.common.outbox import OutboxDocument

ALIAS = "clubs"


class Club(Document):
    # The fields meetings rely on (clubs-core owns this document and its membership rules,
    # services/clubs/membership.py): the host place, the president (None: the host place
    # acts as president), the status.
    meta = collection_meta(ALIAS, "clubs", "place_id")
    name = StringField(required=True, max_length=120)
    place_id = StringField()
    president_id = StringField()
    co_organiser_ids = ListField(StringField())
    member_ids = ListField(StringField())
    status = StringField(default="incubating", choices=("incubating", "autonomous"))
    created_at = DateTimeField(default=utc_now)

    def to_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "place_id": self.place_id}


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


DOCUMENTS = (Club, MeetingSeries, Meeting)
