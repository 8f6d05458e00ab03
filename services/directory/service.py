"""Directory service: entrypoints only, one line each; places' writes in ``places``, their
search in ``place_search``, other reads in ``queries``."""

from __future__ import annotations

from contracts.directory import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.identity import CallerProvider
from services.common.inbox import Inbox, reliable_handler
from services.common.outbox import OutboxRelay
from services.common.rpc import rpc
from services.common.upgrades import StartupUpgrades

from . import (
    actor_search,
    actors,
    contacts,
    contributions,
    opendata,
    place_search,
    places,
    queries,
)
from .models import ALIAS, DOCUMENTS, Actor, ContactRequest, Contribution, Place
from .upgrades import bound_service_areas, fill_cells, fill_place_search_fields


class DirectoryService(ServiceBase):
    name = "directory"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)
    # Earlier places given their search fields and slug, places and actors their grid cells,
    # and the actors' service-area bound raised to the widest, at start.
    earlier = StartupUpgrades(ALIAS, fill_place_search_fields, fill_cells, bound_service_areas)
    events = OutboxRelay(Place, Actor, ContactRequest, Contribution)
    caller = CallerProvider()  # who is asking (the RPC context): places need a coordinator
    inbox = Inbox(ALIAS)  # events handled once (member_erased)

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

    # -- contributions and moderation (contributions.py) ---------------------------------
    @rpc
    def submit_contribution(self, payload: dict, idempotency_key: str) -> dict:
        return contributions.submit(payload, idempotency_key, self.events, self.caller)

    @rpc
    def list_contributions(self, status: str | None = None) -> list[dict]:
        return contributions.queue(status, self.caller)

    @rpc
    def my_contributions(self) -> list[dict]:
        return contributions.mine(self.caller)

    @rpc
    def get_contribution(self, contribution_id: str) -> dict:
        return contributions.get(contribution_id, self.caller)

    @rpc
    def approve_contribution(self, contribution_id: str, idempotency_key: str) -> dict:
        return contributions.approve(contribution_id, idempotency_key, self.events, self.caller)

    @rpc
    def reject_contribution(
        self, contribution_id: str, payload: dict, idempotency_key: str
    ) -> dict:
        return contributions.reject(
            contribution_id, payload, idempotency_key, self.events, self.caller
        )

    @rpc
    def record_history(self, record_type: str, record_id: str) -> list[dict]:
        return contributions.record_history(record_type, record_id, self.caller)

    # -- open data (opendata.py) ---------------------------------------------------------
    @rpc
    def export_places(self, filters: dict | None = None) -> list[dict]:
        return opendata.export_rows(filters)

    @rpc
    def import_places(self, csv_text: str, idempotency_key: str) -> dict:
        return opendata.import_places(csv_text, idempotency_key, self.events, self.caller)

    # -- the member's erasure (GDPR art. 17): their proposals no longer name them ----------
    @reliable_handler("gateway", "member_erased")
    def on_member_erased(self, event: dict) -> None:
        contributions.erase_member(event, self.inbox.forget_member)
