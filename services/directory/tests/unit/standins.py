"""Minimal stand-ins for the owners' ``apply_*`` functions (dir-places' ``places.py``,
dir-actors' ``actors.py``) for the unit tests of moderation and import, with their agreed
names and signatures, until those modules are merged. Each writes the record as stored
(GeoJSON point) and is idempotent by key, like the real ones; ``calls`` counts the calls."""

from __future__ import annotations

import sys
import types
from typing import Any

from bson import ObjectId

from services.directory.models import Contribution


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    if "location" in out:
        out["location"] = {
            "type": "Point",
            "coordinates": [out["location"]["lon"], out["location"]["lat"]],
        }
    return out


def _shown(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in ("_id", "idempotency_key")}
    out["id"] = str(doc["_id"])
    if isinstance(out.get("location"), dict) and "coordinates" in out["location"]:
        lon, lat = out["location"]["coordinates"]
        out["location"] = {"lat": lat, "lon": lon}
    return out


def _module(name: str, collection: str, create: str, update: str, calls: list) -> types.ModuleType:
    def apply_create(data, key, events, by):
        calls.append((create, key))
        records = Contribution._get_db()[collection]
        records.update_one(
            {"idempotency_key": key},
            {"$setOnInsert": {"_id": ObjectId(), **_stored(data.model_dump(mode="json"))}},
            upsert=True,
        )
        return _shown(records.find_one({"idempotency_key": key}))

    def apply_update(record_id, changes, key, events, by):
        calls.append((update, key))
        records = Contribution._get_db()[collection]
        records.update_one({"_id": ObjectId(record_id)}, {"$set": _stored(changes)})
        return _shown(records.find_one({"_id": ObjectId(record_id)}))

    module = types.ModuleType(name)
    setattr(module, create, apply_create)
    setattr(module, update, apply_update)
    return module


def install(monkeypatch) -> list:
    """Put both stand-ins in place; the list of their calls."""
    calls: list = []
    places = _module("services.directory.places", "places", "apply_create", "apply_update", calls)
    actors = _module(
        "services.directory.actors", "actors", "apply_create_actor", "apply_update_actor", calls
    )
    monkeypatch.setitem(sys.modules, "services.directory.places", places)
    monkeypatch.setitem(sys.modules, "services.directory.actors", actors)
    return calls
