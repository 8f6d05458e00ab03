"""Earlier versions' places brought up to date at service start (before any entrypoint
runs): the places made before issue 9 (name, commune, postal code, status, location only)
get their search fields and a slug. Idempotent, safe with several instances starting at
once (each write is conditional on the field still missing); a run to its end leaves a
marker so that later starts read one ``_id``."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.common.text import fold

from .models import Place
from .rules import places as rules

MARKERS = "upgrades"
PLACE_SEARCH_FIELDS = "directory_place_search_fields"
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
    markers.update_one(
        {"_id": PLACE_SEARCH_FIELDS}, {"$set": {"at": datetime.now(UTC)}}, upsert=True
    )
    return done
