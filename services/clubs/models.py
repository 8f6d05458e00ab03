"""Clubs documents."""

from __future__ import annotations

from mongoengine import DateTimeField, Document, ListField, StringField

from services.common.clock import utc_now
from services.common.db import collection_meta

ALIAS = "clubs"


class Club(Document):
    meta = collection_meta(ALIAS, "clubs", "place_id")
    name = StringField(required=True, max_length=120)
    place_id = StringField()
    # Minimal fields of the shared interface (clubs-core owns the Club; its version wins):
    # None = the host place acts as president.
    president_id = StringField()
    status = StringField(default="incubating", choices=("incubating", "autonomous"))
    co_organiser_ids = ListField(StringField())
    member_ids = ListField(StringField())
    created_at = DateTimeField(default=utc_now)

    def to_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "place_id": self.place_id}


DOCUMENTS = (Club,)
