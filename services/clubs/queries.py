"""What clubs answers without writing: clubs."""

from __future__ import annotations

from .models import Club


def list_clubs(place_id: str | None = None) -> list[dict]:
    query = Club.objects(place_id=place_id) if place_id else Club.objects
    return [club.to_dict() for club in query.order_by("name")]
