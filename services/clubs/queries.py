"""What clubs answers without writing: clubs."""

from __future__ import annotations

from typing import Any

from contracts.identity import Caller
from services.common.identity import require_signed_in

from .models import Club


def list_clubs(place_id: str | None = None) -> list[dict]:
    query = Club.objects(place_id=place_id) if place_id else Club.objects
    return [club.to_dict() for club in query.order_by("name")]


def export_member(who: Caller) -> dict[str, Any]:
    """What clubs holds about the caller (GDPR art. 15/20): their answers to workshops and
    events (``rsvps``, every status)."""
    from .rsvp_member_data import exported_rsvps

    require_signed_in(who, "export your data")
    return {"service": "clubs", "rsvps": exported_rsvps(who.member_id)}
