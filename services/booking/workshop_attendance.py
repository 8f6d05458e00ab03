"""What booking keeps of clubs' workshops for the funders' figures: the attendance the
organiser took (``workshop_attendance_taken``), one document per workshop, no names.

Taken again, the later one replaces it (by the event's ``occurred_at``: a late, older event
changes nothing). Read by ``figures.py`` through ``month_keys`` (``2026-12`` and
``2026-12:<place_id>``, the workshop's month in its local time), an indexed equality."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mongoengine import DateTimeField, Document, IntField, ListField, StringField
from mongoengine.errors import NotUniqueError

from services.common.db import collection_meta

from .models import ALIAS
from .rules import workshop_figures as rules


class WorkshopAttendance(Document):
    meta = collection_meta(ALIAS, "workshop_attendance", "month_keys")
    workshop_id = StringField(primary_key=True)
    place_id = StringField(required=True)
    club_id = StringField()
    start = StringField(required=True)  # local ISO, as the event says
    month_keys = ListField(StringField())
    registered = IntField(default=0)
    present = IntField(default=0)
    absent = IntField(default=0)
    occurred_at = DateTimeField(required=True)


def remember_attendance(event: dict[str, Any]) -> bool:
    """Upkeep from ``workshop_attendance_taken``; True when it changed what is kept."""
    data = event["data"]
    occurred = datetime.fromisoformat(event["occurred_at"])
    values = {
        "place_id": data["place_id"],
        "club_id": data.get("club_id"),
        "start": data["start"],
        "month_keys": rules.month_keys(data["start"], data["place_id"]),
        "registered": data["registered"],
        "present": data["present"],
        "absent": data["absent"],
        "occurred_at": occurred,
    }
    try:
        WorkshopAttendance(workshop_id=data["workshop_id"], **values).save(force_insert=True)
        return True
    except NotUniqueError:
        pass
    newer = WorkshopAttendance.objects(workshop_id=data["workshop_id"], occurred_at__lt=occurred)
    return bool(newer.update_one(**{f"set__{k}": v for k, v in values.items()}))


def month_figures(key: str) -> dict[str, int]:
    """The workshops' totals of a month (``key``: a month, or ``<month>:<place_id>``)."""
    found = WorkshopAttendance.objects(month_keys=key).only("registered", "present", "absent")
    return rules.totals((w.registered, w.present, w.absent) for w in found)
