"""Likely duplicates of a proposed place or actor: a record, or another pending proposal, with
the same SIRET, or with the same folded name within ``NEARBY_KM``
(``rules.moderation.duplicate_reason``). Each look-up is an indexed equality (the SIRET, the
folded name, the grid cells around the point: ``rules.cells``), never a scan."""

from __future__ import annotations

import itertools
from typing import Any

from services.common.text import fold

from .models import Contribution
from .rules import filters
from .rules.moderation import NEARBY_KM, duplicate_reason

COLLECTIONS = {"place": "places", "actor": "actors"}
LIMIT = 50


def nearby(records, location: dict[str, float]) -> list[dict[str, Any]]:
    """The records within ``NEARBY_KM`` of ``location`` (grid cells, then the distance)."""
    lat, lon = location["lat"], location["lon"]
    near = filters.within_radius(lat, lon, NEARBY_KM)
    found = records.find(near, {"name": 1, "location": 1, "siret": 1})
    close = (
        doc for doc in found if filters.point_matches(filters.point_of(doc), lat, lon, NEARBY_KM)
    )
    return list(itertools.islice(close, LIMIT))


def likely(record_type: str, proposal: dict[str, Any]) -> list[dict[str, str]]:
    """``[{kind, id, name, why}]`` for the proposal's likely duplicates."""
    found: dict[str, dict[str, str]] = {}
    records = Contribution._get_db()[COLLECTIONS[record_type]]
    candidates: list[dict[str, Any]] = []
    if proposal.get("siret"):
        candidates += records.find({"siret": proposal["siret"]}).limit(LIMIT)
    if proposal.get("location"):
        candidates += nearby(records, proposal["location"])
    for candidate in candidates:
        why = duplicate_reason(proposal, candidate)
        if why and str(candidate["_id"]) not in found:
            found[str(candidate["_id"])] = {
                "kind": record_type,
                "id": str(candidate["_id"]),
                "name": candidate.get("name", ""),
                "why": why,
            }
    pending = Contribution.objects(type=record_type, status="pending", target_id=None)
    same = list(pending.filter(name_folded=fold(proposal.get("name") or "")).limit(LIMIT))
    if proposal.get("siret"):
        same += list(pending.filter(siret=proposal["siret"]).limit(LIMIT))
    for other in same:
        stored = {"name": other.name, "siret": other.siret, "location": other.location}
        why = duplicate_reason(proposal, stored)
        if why and str(other.id) not in found:
            found[str(other.id)] = {
                "kind": "contribution",
                "id": str(other.id),
                "name": other.name,
                "why": why,
            }
    return list(found.values())
