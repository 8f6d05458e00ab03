"""Reads: who asked for no more email, and the latest deliveries for the operator."""

from __future__ import annotations

from typing import Any

from .models import Delivery, Suppression
from .rules import normalise

MAX_LISTED = 500


def is_suppressed(email: str) -> bool:
    return Suppression.objects(email=normalise(email)).only("email").first() is not None


def recent_deliveries(limit: int) -> list[dict[str, Any]]:
    rows = Delivery.objects.order_by("-created_at").limit(min(limit, MAX_LISTED))
    return [_row(delivery) for delivery in rows]


def _row(delivery: Delivery) -> dict[str, Any]:
    row = delivery.to_mongo().to_dict()
    row.pop("_id", None)
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in row.items()
    }
