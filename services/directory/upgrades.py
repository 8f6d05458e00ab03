"""Earlier versions' places brought up to date at service start (before any entrypoint
runs): the places made before issue 9 (name, commune, postal code, status, location only)
get their search fields and a slug. Idempotent, safe with several instances starting at
once (each write is conditional on the field still missing); a run to its end leaves a
marker so that later starts read one ``_id``.

The places and actors made before the grid cells (``rules.cells``) get their ``cells``, without
which a search around a point or in a box would not find them."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.common.text import fold

from . import snapshot
from .actors import service_bound, widen_service_bound
from .models import Actor, Place
from .rules import places as rules
from .rules.cells import cells_of
from .rules.filters import point_of

MARKERS = "upgrades"
PLACE_SEARCH_FIELDS = "directory_place_search_fields"
GRID_CELLS = "directory_grid_cells"
BATCH = 500


def fill_place_search_fields(db: Database) -> int:
    """Give ``keywords``, ``name_key``, ``commune_key``, ``network_keys`` and a ``slug`` to
    the places without; returns how many were brought up to date."""
    markers = db[MARKERS]
    if markers.find_one({"_id": PLACE_SEARCH_FIELDS}) is not None:
        return 0
    places = db[Place._meta["collection"]]
    lacking = {"keywords": {"$exists": False}}
    done = 0
    for doc in places.find(lacking).batch_size(BATCH):
        name, commune = doc.get("name") or "", doc.get("commune") or ""
        fields = {
            "keywords": rules.search_words(doc),
            "name_key": fold(name),
            "commune_key": fold(commune),
            "network_keys": rules.folded_list(doc.get("networks")),
        }
        if not doc.get("slug"):
            base = rules.slug_base(name, commune)
            taken = places.find_one({"slug": base}, {"_id": 1})
            fields["slug"] = base if taken is None else f"{base}-{str(doc['_id'])[-6:]}"
        try:
            done += places.update_one(
                {"_id": doc["_id"], **lacking}, {"$set": fields}
            ).modified_count
        except DuplicateKeyError:  # another instance gave that slug meanwhile
            fields["slug"] = f"{rules.slug_base(name, commune)}-{str(doc['_id'])[-6:]}"
            done += places.update_one(
                {"_id": doc["_id"], **lacking}, {"$set": fields}
            ).modified_count
    if done:
        snapshot.bump(places)
    markers.update_one(
        {"_id": PLACE_SEARCH_FIELDS}, {"$set": {"at": datetime.now(UTC)}}, upsert=True
    )
    return done


def fill_cells(db: Database) -> int:
    """Give ``cells`` to the places and actors without (each write conditional on their
    still lacking them); returns how many were brought up to date."""
    markers = db[MARKERS]
    if markers.find_one({"_id": GRID_CELLS}) is not None:
        return 0
    lacking = {"cells": {"$exists": False}}
    done = 0
    for model in (Place, Actor):
        records = db[model._meta["collection"]]
        for doc in records.find(lacking, {"location": 1}).batch_size(BATCH):
            if not doc.get("location"):
                continue
            fields = {"cells": cells_of(*point_of(doc))}
            done += records.update_one(
                {"_id": doc["_id"], **lacking}, {"$set": fields}
            ).modified_count
        snapshot.bump(records)
    markers.update_one({"_id": GRID_CELLS}, {"$set": {"at": datetime.now(UTC)}}, upsert=True)
    return done


def bound_service_areas(db: Database) -> float:
    """The actors' service-area bound (``actors.service_bound``) raised to the widest stored
    one, at every start (one sorted read; ``$max``: safe with several instances)."""
    widest = db[Actor._meta["collection"]].find_one(
        {"service_radius_km": {"$ne": None}},
        {"service_radius_km": 1},
        sort=[("service_radius_km", -1)],
    )
    widen_service_bound(db, (widest or {}).get("service_radius_km"))
    return service_bound(db) or 0.0
