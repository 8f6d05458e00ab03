"""Directory service: entrypoints only, one line each; places' writes in ``places``, their
search in ``place_search``, other reads in ``queries``."""

from __future__ import annotations

from contracts.directory import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.outbox import OutboxRelay
from services.common.rpc import rpc

from . import place_search, places, queries
from .models import ALIAS, DOCUMENTS, Place
from .upgrades import EarlierPlaces


class DirectoryService(ServiceBase):
    name = "directory"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    earlier = EarlierPlaces()  # earlier places given their search fields and slug at start
    events = OutboxRelay(Place)
    caller = CallerProvider()  # who is asking (the RPC context): places need a coordinator

    @rpc
    def create_place(self, payload: dict, idempotency_key: str) -> dict:
        return places.create_place(payload, idempotency_key, self.events, self.caller)

    @rpc
    def update_place(self, place_id: str, payload: dict, idempotency_key: str) -> dict:
        return places.update_place(place_id, payload, idempotency_key, self.events, self.caller)

    @rpc
    def search_places(self, filters: dict) -> dict:
        return place_search.search_places(filters)

    @rpc
    def place_history(self, place_id: str) -> list[dict]:
        return queries.place_history(place_id, self.caller)

    @rpc
    def get_place(self, place_id: str) -> dict:
        return queries.get_place(place_id)

    @rpc
    def list_places(self, status: str | None = None) -> list[dict]:
        return queries.list_places(status)

    @rpc
    def export_member(self) -> dict:
        return queries.export_member(self.caller)
