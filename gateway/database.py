"""The gateway's own database, ``<territory>_gateway``: accounts, sessions, tokens, its
outbox of events, the audit log. Plain pymongo (no eventlet in this process), with the same
durable write concern as the services."""

from __future__ import annotations

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
