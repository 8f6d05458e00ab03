"""Clubs service: entrypoints only, one line each; reads in ``queries`` (no writes yet)."""

from __future__ import annotations

from contracts.clubs import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.rpc import rpc

from . import queries
from .models import ALIAS, DOCUMENTS


class ClubsService(ServiceBase):
    name = "clubs"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)

    @rpc
    def list_clubs(self, place_id: str | None = None) -> list[dict]:
        return queries.list_clubs(place_id)
