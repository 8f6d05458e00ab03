"""The event envelope's payloads: every event is a model in its owner's contract module.

Publishers validate ``data`` before storing an event in their outbox; the contract tests
check publishers, consumers and docs/events.md against the same models. Bump
``SCHEMA_VERSION`` on a breaking change.
"""

from __future__ import annotations

import importlib

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 1


class EventData(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeoPoint(EventData):
    lat: float
    lon: float


def schema_for(source: str, event_type: str) -> type[EventData]:
    """The ``data`` model of ``<source>.<event_type>``; ``KeyError`` when it is not declared."""
    try:
        module = importlib.import_module(f"contracts.{source}")
        return module.EVENTS[event_type]
    except (ImportError, AttributeError, KeyError):
        raise KeyError(
            f"unknown event {source}.{event_type}: declare it in contracts/{source}.py"
        ) from None
