"""Reads: who asked for no more email, and the latest deliveries for the operator."""

from __future__ import annotations

from typing import Any

from .models import Delivery, Suppression
from .rules import normalise

MAX_LISTED = 500


def is_suppressed(email: str, erased_key: str | None = None) -> bool:
    """Whether the address unsubscribed; ``erased_key`` also finds the wish of a member who
    was erased since (kept as a digest of the address, see ``commands.erase_member``)."""
    keys = [normalise(email)] + ([erased_key] if erased_key else [])
    return Suppression.objects(email__in=keys).only("email").first() is not None


def recent_deliveries(limit: int, status: str | None = None) -> list[dict[str, Any]]:
    """The latest deliveries, newest first; only those in ``status`` if given (``pending``,
    ``sending``, ``sent``, ``refused``, ``failed``, ``suppressed``)."""
    rows = Delivery.objects(**({"status": status} if status else {}))
    rows = rows.exclude("raw").order_by("-created_at").limit(min(limit, MAX_LISTED))
    return [_row(delivery) for delivery in rows]


def _row(delivery: Delivery) -> dict[str, Any]:
    row = delivery.to_mongo().to_dict()
    row.pop("_id", None)
    row.pop("raw", None)  # the message itself stays in the database
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in row.items()
    }
