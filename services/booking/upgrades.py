"""Earlier versions' documents brought up to date at service start, before any entrypoint
runs (nameko sets every dependency up first): the quarter-hour loads moved into day
documents (``capacity_migration``), and the bookings made before the funders' figures given
their month keys, so that the figures count them.

Each step is idempotent and safe with several instances starting at once; a step that has
run to its end leaves a marker in ``upgrades`` so that later starts read one ``_id`` instead
of scanning the bookings again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId
from pymongo.database import Database

from .models import Booking, Resource
from .rules import figures as figure_rules
from .rules import settings as resource_rules

MARKERS = "upgrades"
MONTH_KEYS = "booking_month_keys"
BATCH = 500


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def backfill_month_keys(db: Database) -> int:
    """Give ``month_keys`` to the bookings without (made before the figures existed), from
    their resource's time zone and place; returns how many. A booking whose resource is gone
    keeps none (nothing to count it against). Once done, a marker: later starts skip it."""
    markers = db[MARKERS]
    if markers.find_one({"_id": MONTH_KEYS}) is not None:
        return 0
    bookings = db[Booking._meta["collection"]]
    resources: dict[str, tuple | None] = {}
    done = 0
    lacking = {"month_keys": {"$exists": False}}
    fields = {"resource_id": 1, "place_id": 1, "start": 1, "end": 1}
    for doc in bookings.find(lacking, fields).batch_size(BATCH):
        rid = doc["resource_id"]
        if rid not in resources:
            found = Resource.objects(id=ObjectId(rid)).first() if ObjectId.is_valid(rid) else None
            resources[rid] = (resource_rules.zone(found.rules()), found.place_id) if found else None
        if resources[rid] is None:
            continue
        tz, place_id = resources[rid]
        keys = figure_rules.month_keys(
            _utc(doc["start"]), _utc(doc["end"]), tz, doc.get("place_id") or place_id
        )
        # Only where none were set meanwhile (by a newer instance's own write).
        done += bookings.update_one(
            {"_id": doc["_id"], **lacking}, {"$set": {"month_keys": keys}}
        ).modified_count
    markers.update_one({"_id": MONTH_KEYS}, {"$set": {"at": datetime.now(UTC)}}, upsert=True)
    return done
