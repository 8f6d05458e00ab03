"""The one envelope every event travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from contracts.events import SCHEMA_VERSION, schema_for

ENVELOPE_KEYS = ("event_id", "type", "occurred_at", "territory", "schema_version", "data")


def make_event(
    source: str,
    event_type: str,
    data: dict[str, Any],
    territory: str,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """Build a validated envelope. Raises ``pydantic.ValidationError`` on a data mismatch."""
    checked = schema_for(source, event_type).model_validate(data).model_dump(mode="json")
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "source": source,
        "occurred_at": datetime.now(UTC).isoformat(),
        "territory": territory,
        "schema_version": SCHEMA_VERSION,
        "correlation_id": correlation_id,
        "data": checked,
    }


def is_envelope(payload: Any) -> bool:
    return isinstance(payload, dict) and all(key in payload for key in ENVELOPE_KEYS)
