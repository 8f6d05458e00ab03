"""What the directory answers without writing: places."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from contracts.identity import Caller
from services.common.identity import require_signed_in
from services.common.lookup import get_or_404

from .contributions import member_contributions
from .models import Place


def get_place(place_id: str) -> dict:
    """A place by its id, or by its slug (``/lieux/l-atelier-mende``)."""
    if not ObjectId.is_valid(place_id):
        found = Place.objects(slug=place_id).first()
        if found is not None:
            return found.to_dict()
    return get_or_404(Place, place_id, "place").to_dict()


def list_places(status: str | None = None) -> list[dict]:
    query = Place.objects(status=status) if status else Place.objects
    return [p.to_dict() for p in query.order_by("name")]


def export_member(who: Caller) -> dict[str, Any]:
    """What directory holds about the caller (GDPR art. 15/20): their proposals to the
    directory, when they made any (places themselves name no member)."""
    require_signed_in(who, "export your data")
    proposals = member_contributions(who.member_id)
    return {"service": "directory", **({"contributions": proposals} if proposals else {})}
