"""Who manages each place, told to the services: ``place_managers_changed`` (notifications
emails a place's managers about its bookings, ``contracts/gateway.py``).

The managers live on each member (``manages``). After a change to a place's managers (a grant,
a removal, the erasure of one of them) ``announce`` takes the next ``version`` of that place
— a counter in ``place_manager_versions`` — *then* reads who manages it, and emits the whole
list. A read made after a higher version was taken sees every change made before it, so the
event with the highest version is the truth, and a consumer may keep the highest it saw
whatever order the events come in (two staff changing one place at once, a redelivery).

The counter also marks which places were ever announced: ``backfill`` (at start-up)
announces the places whose managers were named before this version, once — a place with a
counter is skipped, so a restart emits nothing more.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.database import Database

from .store import Accounts

log = logging.getLogger("maillage.place_managers")

VERSIONS = "place_manager_versions"


def manager_ids(store: Accounts, place_id: str) -> list[str]:
    """The confirmed members who manage ``place_id``, by id (an equality on the array)."""
    found = store.members.find({"manages": place_id}, {"_id": 1})
    return sorted(str(member["_id"]) for member in found)


def announce(db: Database, store: Accounts, events: Any, place_id: str) -> dict[str, Any]:
    """Emit ``place_managers_changed`` for ``place_id`` with a new version; the envelope."""
    versions = db[VERSIONS]
    versions.update_one({"_id": place_id}, {"$inc": {"version": 1}}, upsert=True)
    version = versions.find_one({"_id": place_id})["version"]
    data = {"place_id": place_id, "manager_ids": manager_ids(store, place_id), "version": version}
    return events.emit("place_managers_changed", data)


def backfill(db: Database, store: Accounts, events: Any) -> list[str]:
    """Announce every managed place never announced (managers named before this version);
    the places announced. Idempotent: an announced place has a counter and is skipped."""
    places = {place for member in store.role_holders() for place in member.get("manages") or []}
    known = {doc["_id"] for doc in db[VERSIONS].find({"_id": {"$in": sorted(places)}}, {"_id": 1})}
    missing = sorted(places - known)
    for place_id in missing:
        announce(db, store, events, place_id)
    if missing:
        log.info("place managers announced for %d place(s) named before", len(missing))
    return missing
