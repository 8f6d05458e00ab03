"""Clubs documents."""

from __future__ import annotations

from datetime import UTC, datetime

from mongoengine import DateTimeField, Document, StringField

ALIAS = "clubs"


class Club(Document):
    meta = {
        "db_alias": ALIAS,
        "auto_create_index": False,
        "collection": "clubs",
        "indexes": ["place_id"],
    }
    name = StringField(required=True, max_length=120)
    place_id = StringField()
    created_at = DateTimeField(default=lambda: datetime.now(UTC))

    def to_dict(self) -> dict:
        return {"id": str(self.id), "name": self.name, "place_id": self.place_id}


DOCUMENTS = (Club,)
