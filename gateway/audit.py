"""The audit log of administrative acts (replays of dead letters today; role changes and
erasures as they come), in the gateway's own database, readable by an admin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

from .database import index_once

COLLECTION = "audit"
OPERATOR = "operator"  # whoever holds MAILLAGE_ADMIN_TOKEN


def record(db: Database, actor: str, action: str, **details: Any) -> None:
    """One line per act: who, what, on what, when. Written before the act's answer leaves."""
    db[COLLECTION].insert_one(
        {"at": datetime.now(UTC), "actor": actor, "action": action, "details": details}
    )


def latest(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    index_once(db[COLLECTION], [("at", DESCENDING)])
    rows = db[COLLECTION].find({}, {"_id": 0}).sort("at", DESCENDING).limit(limit)
    return [{**row, "at": row["at"].isoformat()} for row in rows]
