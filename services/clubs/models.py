"""Clubs documents."""

from __future__ import annotations

from mongoengine import DateTimeField, Document, StringField

from services.common.clock import utc_now
from services.common.db import collection_meta

ALIAS = "clubs"


class Club(Document):
    meta = collection_meta(ALIAS, "clubs", "place_id")
    name = StringField(required=True, max_length=120)
    place_id = StringField()
    created_at = DateTimeField(default=utc_now)

    def to_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "place_id": self.place_id}


DOCUMENTS = (Club,)
