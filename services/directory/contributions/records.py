"""The places and actors as stored, and the owners' functions that apply an approved change
(dir-places' ``places.py``, dir-actors' ``actors.py``), found by their agreed names."""

from __future__ import annotations

import importlib
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId

from contracts.directory import ContributionType

from ..models import Contribution

COLLECTIONS = {ContributionType.place: "places", ContributionType.actor: "actors"}
# The owners' functions that apply an approved change: (module, create, update).
APPLIERS = {
    ContributionType.place: ("places", "apply_create", "apply_update"),
    ContributionType.actor: ("actors", "apply_create_actor", "apply_update_actor"),
}
DIRECTORY = __package__.rsplit(".", 1)[0]  # services.directory


def appliers(record_type: str):
    """(create, update) for ``record_type``, from the module that owns those records."""
    module_name, create, update = APPLIERS[ContributionType(record_type)]
    module = importlib.import_module(f"{DIRECTORY}.{module_name}")
    return getattr(module, create), getattr(module, update)


def stored_record(record_type: str, record_id: str) -> dict[str, Any] | None:
    """The place or actor as stored (``None`` when there is none)."""
    try:
        object_id = ObjectId(record_id)
    except (InvalidId, TypeError):
        return None
    return Contribution._get_db()[COLLECTIONS[record_type]].find_one({"_id": object_id})
