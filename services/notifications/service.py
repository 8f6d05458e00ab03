"""Notifications service: turns events into emails. Entrypoints only."""

from __future__ import annotations

from services.common.base import ServiceBase
from services.common.config import container_settings
from services.common.db import MongoDatabase
from services.common.inbox import Inbox, reliable_handler
from services.common.rpc import rpc

from . import compose
from .delivery import deliver

ALIAS = "notifications"


class NotificationsService(ServiceBase):
    name = "notifications"

    db = MongoDatabase(ALIAS)
    inbox = Inbox(ALIAS)

    @reliable_handler("booking", "booking_confirmed")
    def on_booking_confirmed(self, event: dict) -> None:
        settings = container_settings()
        message = compose.booking_confirmed_message(
            event["data"], mail_from=settings.mail_from, public_url=settings.public_url
        )
        deliver(self.db, settings, event["event_id"], "booking_confirmed", message)

    @reliable_handler("directory", "place_created")
    def on_place_created(self, event: dict) -> None:
        settings = container_settings()
        message = compose.place_created_message(
            event["data"],
            to=settings.coordinator_email,
            mail_from=settings.mail_from,
            public_url=settings.public_url,
            language=settings.default_language,
        )
        deliver(self.db, settings, event["event_id"], "place_created", message)

    @rpc
    def deliveries(self, limit: int = 50) -> list[dict]:
        rows = self.db.deliveries.find({}, {"_id": 0}).sort("created_at", -1).limit(min(limit, 500))
        return [
            {
                **row,
                "created_at": row["created_at"].isoformat(),
                **({"sent_at": row["sent_at"].isoformat()} if row.get("sent_at") else {}),
            }
            for row in rows
        ]
