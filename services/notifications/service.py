"""Notifications service: turns events into emails. Entrypoints only."""

from __future__ import annotations

from contracts.notifications import METRICS_PORT
from services.common.base import ServiceBase
from services.common.config import container_settings
from services.common.db import MongoDatabase
from services.common.inbox import Inbox, reliable_handler
from services.common.rpc import rpc

from . import notices, suppression

ALIAS = "notifications"


class NotificationsService(ServiceBase):
    name = "notifications"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS)
    inbox = Inbox(ALIAS)

    @reliable_handler("booking", "booking_confirmed")
    def on_booking_confirmed(self, event: dict) -> None:
        notices.booking_confirmed(self.db, container_settings(), event)

    @reliable_handler("directory", "place_created")
    def on_place_created(self, event: dict) -> None:
        notices.place_created(self.db, container_settings(), event)

    @rpc
    def unsubscribe(self, email: str, token: str) -> dict:
        suppression.unsubscribe(self.db, suppression.link_secret(self.db), email, token)
        return {"email": suppression.normalise(email), "unsubscribed": True}

    @rpc
    def deliveries(self, limit: int = 50) -> list[dict]:
        return notices.recent_deliveries(self.db, limit)
