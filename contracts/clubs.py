"""The clubs service's contract (clubs come in their own issue: listing only for now)."""

from __future__ import annotations

from pydantic import BaseModel

from .events import EventData

SERVICE = "clubs"
METRICS_PORT = 9103


# -- RPC: list_clubs(place_id), export_member() ------------------------------------------------
# ``export_member()``: what clubs holds about the caller (GDPR art. 15/20): nothing today,
# ``{"service": "clubs"}``; anonymous: ``AuthenticationRequired``.
class ClubOut(BaseModel):
    id: str
    name: str
    place_id: str | None = None


EVENTS: dict[str, type[EventData]] = {}
