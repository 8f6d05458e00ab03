"""Every event of the platform and the schema of its ``data``: the one place they are defined.

Publishers validate before storing an event in their outbox; the contract tests check that
each consumer handles exactly these shapes. Bump ``SCHEMA_VERSION`` on a breaking change.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeoPoint(EventData):
    lat: float
    lon: float


class PlaceCreated(EventData):
    place_id: str
    name: str
    commune: str
    postal_code: str
    status: str
    location: GeoPoint


class ResourceCreated(EventData):
    resource_id: str
    place_id: str
    name: str
    kind: str
    seats: int


class BookingConfirmed(EventData):
    booking_id: str
    resource_id: str
    resource_name: str
    place_id: str
    place_name: str | None = None
    start: str
    end: str
    seats: int
    name: str
    email: str
    language: str = "fr"


# source service -> event type -> data schema
EVENTS: dict[str, dict[str, type[EventData]]] = {
    "directory": {"place_created": PlaceCreated},
    "booking": {"resource_created": ResourceCreated, "booking_confirmed": BookingConfirmed},
    "clubs": {},
    "notifications": {},
}

SCHEMA_VERSION = 1


def schema_for(source: str, event_type: str) -> type[EventData]:
    try:
        return EVENTS[source][event_type]
    except KeyError:
        raise KeyError(
            f"unknown event {source}.{event_type}: declare it in event_schemas"
        ) from None
