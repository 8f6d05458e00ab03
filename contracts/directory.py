"""The directory's contract: places, their RPC shapes, events and errors."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .events import EventData, GeoPoint
from .models import Strict

SERVICE = "directory"
METRICS_PORT = 9101


class PlaceStatus(StrEnum):
    open = "open"
    project = "project"
    closed = "closed"


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, strict=True)
    lon: float = Field(ge=-180, le=180, strict=True)


# -- RPC: create_place(payload, idempotency_key), get_place(place_id), list_places(status),
#         export_member() --------------------------------------------------------------------
# ``export_member()``: what the directory holds about the caller (GDPR art. 15/20): nothing
# today, ``{"service": "directory"}``; anonymous: ``AuthenticationRequired``.
class PlaceIn(Strict):
    name: str = Field(min_length=1, max_length=160)
    commune: str = Field(min_length=1, max_length=120)
    postal_code: str = Field(pattern=r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$")
    status: PlaceStatus
    location: Location


class PlaceOut(BaseModel):
    id: str
    name: str
    commune: str
    postal_code: str
    status: PlaceStatus
    location: Location


# -- events ------------------------------------------------------------------------------
class PlaceCreated(EventData):
    place_id: str
    name: str
    commune: str
    postal_code: str
    status: str
    location: GeoPoint


EVENTS: dict[str, type[EventData]] = {"place_created": PlaceCreated}
