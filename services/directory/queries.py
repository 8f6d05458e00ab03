"""What the directory answers without writing: places."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from contracts.identity import Caller
from services.common.identity import require, require_signed_in
from services.common.lookup import get_or_404

from . import history
from .models import Place
from .places import may_edit_place


def get_place(place_id: str) -> dict:
    """A place by its id, or by its slug (``/lieux/l-atelier-mende``)."""
    if not ObjectId.is_valid(place_id):
        found = Place.objects(slug=place_id).first()
        if found is not None:
            return found.to_dict()
    return get_or_404(Place, place_id, "place").to_dict()


def place_history(place_id: str, who: Caller) -> list[dict[str, Any]]:
    """The place's changes, latest first (who, when, what): for those who may edit it (the
    changes name members)."""
    require(may_edit_place(who, place_id), who, "read this place's history", "place", place_id)
    get_or_404(Place, place_id, "place")
    return history.history_of("place", place_id)


def list_places(status: str | None = None) -> list[dict]:
    query = Place.objects(status=status) if status else Place.objects
    return [p.to_dict() for p in query.order_by("name")]


def export_member(who: Caller) -> dict[str, Any]:
    """What directory holds about the caller (GDPR art. 15/20): nothing today, said as such — it
    keeps places (by whom they were added is not kept), nothing that names a member."""
    require_signed_in(who, "export your data")
    return {"service": "directory"}
