"""What the directory answers without writing: places."""

from __future__ import annotations

from services.common.lookup import get_or_404

from .models import Place


def get_place(place_id: str) -> dict:
    return get_or_404(Place, place_id, "place").to_dict()


def list_places(status: str | None = None) -> list[dict]:
    query = Place.objects(status=status) if status else Place.objects
    return [p.to_dict() for p in query.order_by("name")]
