"""Clubs service: entrypoints only, one line each; reads in ``queries`` (no writes yet)."""

from __future__ import annotations

from contracts.clubs import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.rpc import rpc

from . import queries
from .models import ALIAS, DOCUMENTS


class ClubsService(ServiceBase):
    name = "clubs"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    caller = CallerProvider()  # who is asking (the RPC context): a member's own export

    @rpc
    def list_clubs(self, place_id: str | None = None) -> list[dict]:
        return queries.list_clubs(place_id)

    @rpc
    def export_member(self) -> dict:
        return queries.export_member(self.caller)
