"""Directory service: entrypoints only, one line each; places' writes in ``places``, their
search in ``place_search``, other reads in ``queries``."""

from __future__ import annotations

from contracts.directory import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.outbox import OutboxRelay
from services.common.rpc import rpc

from . import actor_search, actors, contacts, place_search, places, queries
from .models import ALIAS, DOCUMENTS, Actor, ContactRequest, Place
from .upgrades import EarlierPlaces


class DirectoryService(ServiceBase):
    name = "directory"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    earlier = EarlierPlaces()  # earlier places given their search fields and slug at start
    events = OutboxRelay(Place, Actor, ContactRequest)
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

    # -- local actors, contact requests, the work-stay portal (dir-actors) ----------------
    @rpc
    def create_actor(self, payload: dict, idempotency_key: str) -> dict:
        return actors.create_actor(payload, idempotency_key, self.events, self.caller)

    @rpc
    def update_actor(self, actor_id: str, patch: dict, idempotency_key: str) -> dict:
        return actors.update_actor(actor_id, patch, idempotency_key, self.events, self.caller)

    @rpc
    def remove_actor(self, actor_id: str, idempotency_key: str) -> dict:
        return actors.remove_actor(actor_id, idempotency_key, self.events, self.caller)

    @rpc
    def get_actor(self, actor_id: str) -> dict:
        return actor_search.get_actor(actor_id, self.caller)

    @rpc
    def search_actors(self, criteria: dict | None = None) -> dict:
        return actor_search.search_actors(criteria, self.caller)

    @rpc
    def portal(self, place_id: str | None = None) -> dict:
        return actor_search.portal(place_id, self.caller)

    @rpc
    def request_contact(self, payload: dict, idempotency_key: str) -> dict:
        return contacts.request_contact(payload, idempotency_key, self.events)

    @rpc
    def contact_request(self, token: str) -> dict:
        return contacts.contact_request(token)

    @rpc
    def reply_contact(self, token: str, payload: dict, idempotency_key: str) -> dict:
        return contacts.reply_contact(token, payload, idempotency_key, self.events)

    @rpc
    def contact_stats(self, months: int = 12) -> list[dict]:
        return contacts.contact_stats(months, self.caller)
