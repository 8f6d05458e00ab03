"""Clubs service: for now it answers health and lists clubs."""

from __future__ import annotations

from contracts.clubs import METRICS_PORT
from services.common.base import ServiceBase
from services.common.db import MongoDatabase
from services.common.rpc import rpc

from .models import ALIAS, DOCUMENTS, Club


class ClubsService(ServiceBase):
    name = "clubs"
    metrics_port = METRICS_PORT

    db = MongoDatabase(ALIAS, DOCUMENTS)

    @rpc
    def list_clubs(self, place_id: str | None = None) -> list[dict]:
        query = Club.objects(place_id=place_id) if place_id else Club.objects
        return [club.to_dict() for club in query.order_by("name")]
