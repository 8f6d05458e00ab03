"""The gateway's own database, ``<territory>_gateway``: accounts, sessions, tokens, its
outbox of events, the audit log. Plain pymongo (no eventlet in this process), with the same
durable write concern as the services."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection
from pymongo.database import Database

from services.common.mongo import open_client

from .settings import GatewaySettings


def open_database(settings: GatewaySettings) -> Database:
    """Connects lazily: nothing is sent before the first command."""
    client = open_client(
        settings.mongo_uri,
        settings.mongo_timeout_ms,
        settings.mongo_write_concern,
        settings.mongo_journal,
    )
    return client[settings.database_name("gateway")]


_indexed: set[tuple[int, str, str]] = set()


def index_once(collection: Collection, keys: list[tuple[str, Any]], **options: Any) -> None:
    """Create an index on first use in this process, not on every request (and not at start:
    a database away then would stop the gateway from starting)."""
    key = (id(collection.database.client), collection.full_name, repr(keys))
    if key not in _indexed:
        collection.create_index(keys, **options)
        _indexed.add(key)
