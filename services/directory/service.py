"""Directory service: entrypoints only, one line each; writes in ``commands``, reads in
``queries``."""

from __future__ import annotations

from contracts.directory import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.outbox import OutboxRelay
from services.common.rpc import rpc

from . import commands, queries
from .models import ALIAS, DOCUMENTS, Place


class DirectoryService(ServiceBase):
    name = "directory"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    events = OutboxRelay(Place)
    caller = CallerProvider()  # who is asking (the RPC context): places need a coordinator

    @rpc
    def create_place(self, payload: dict, idempotency_key: str) -> dict:
        return commands.create_place(payload, idempotency_key, self.events, self.caller)

    @rpc
    def get_place(self, place_id: str) -> dict:
        return queries.get_place(place_id)

    @rpc
    def list_places(self, status: str | None = None) -> list[dict]:
        return queries.list_places(status)

    @rpc
    def export_member(self) -> dict:
        return queries.export_member(self.caller)
