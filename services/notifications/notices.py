"""What each event becomes: who is told, in which language, with which message."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from services.common.settings import Settings

from . import compose, suppression
from .delivery import deliver


def booking_confirmed(db: Database, settings: Settings, event: dict[str, Any]) -> bool:
    data = event["data"]
    message = compose.booking_confirmed_message(
        data,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        unsubscribe_token=suppression.token_for(suppression.link_secret(db), data["email"]),
    )
    return deliver(db, settings, event["event_id"], "booking_confirmed", message)


def place_created(db: Database, settings: Settings, event: dict[str, Any]) -> bool:
    to = settings.coordinator_email
    message = compose.place_created_message(
        event["data"],
        to=to,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        language=settings.default_language,
        unsubscribe_token=suppression.token_for(suppression.link_secret(db), to),
    )
    return deliver(db, settings, event["event_id"], "place_created", message)


def recent_deliveries(db: Database, limit: int) -> list[dict[str, Any]]:
    rows = db.deliveries.find({}, {"_id": 0}).sort("created_at", -1).limit(min(limit, 500))
    return [
        {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in row.items()
        }
        for row in rows
    ]
