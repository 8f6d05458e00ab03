"""One MongoDB database per service (``<territory>_<service>``), opened in ``setup()``."""

from __future__ import annotations

import threading
from typing import Any

import mongoengine
from nameko.extensions import DependencyProvider
from pymongo.database import Database
from pymongo.errors import OperationFailure

from .config import container_settings
from .mongo import write_concern

# "index already exists with other options/name": SecantusDB reports its own 2dsphere index
# version back, so re-creating an identical geo index on restart looks like a conflict.
INDEX_EXISTS_CODES = {85, 86}


# mongoengine's aliases are process-wide: two containers of one service in a process (the
# replica tests) must share a binding, not tear down each other's client mid-setup.
_binding_lock = threading.Lock()  # green under eventlet's monkey patch
_bound: dict[str, tuple[Any, ...]] = {}


def connect(
    alias: str,
    uri: str,
    database: str,
    timeout_ms: int = 1000,
    *,
    w: str = "auto",
    journal: bool = True,
) -> Database:
    """Bind a mongoengine alias (again only if its target changed); returns the pymongo
    database behind it. Every collection reached through it inherits the client's write
    concern (``write_concern``): documents, the outbox and the inbox alike."""
    concern = write_concern(uri, w, journal)
    wanted = (uri, database, timeout_ms, concern["w"], journal)
    with _binding_lock:
        if _bound.get(alias) != wanted:
            mongoengine.disconnect(alias=alias)
            mongoengine.connect(
                db=database,
                host=uri,
                alias=alias,
                tz_aware=True,
                uuidRepresentation="standard",
                # A database away must answer "unavailable" quickly (the gateway's 503),
                # not after pymongo's default 30 s.
                serverSelectionTimeoutMS=timeout_ms,
                **concern,
            )
            _bound[alias] = wanted
        return mongoengine.get_db(alias=alias)


def disconnect(alias: str) -> None:
    """Unbind an alias (tests that bind it elsewhere, e.g. to mongomock, go through here)."""
    with _binding_lock:
        mongoengine.disconnect(alias=alias)
        _bound.pop(alias, None)


def collection_meta(alias: str, collection: str, *indexes: Any) -> dict[str, Any]:
    """A document's ``meta``: its service's alias, its collection, its indexes. Indexes are
    created by ``MongoDatabase.setup`` (``ensure_indexes``), never implicitly on first use."""
    return {
        "db_alias": alias,
        "auto_create_index": False,
        "collection": collection,
        "indexes": list(indexes),
    }


def ensure_indexes(document: type[mongoengine.Document]) -> None:
    """Create the document's declared indexes, tolerating ones that already exist.

    Documents set ``auto_create_index: False`` so that this is the only place indexes are made.
    """
    collection = document._get_collection()
    for spec in document._meta.get("index_specs") or []:
        options = {k: v for k, v in spec.items() if k not in ("fields", "cls")}
        try:
            collection.create_index(spec["fields"], **options)
        except OperationFailure as exc:
            if exc.code not in INDEX_EXISTS_CODES:
                raise


def connect_alias(alias: str) -> Database:
    """Connect ``alias`` to its database as the container's settings say (each service's
    ``MongoDatabase``, and its start-up upgrades)."""
    settings = container_settings()
    return connect(
        alias,
        settings.mongo_uri,
        settings.database_name(alias),
        settings.mongo_timeout_ms,
        w=settings.mongo_write_concern,
        journal=settings.mongo_journal,
    )


class MongoDatabase(DependencyProvider):
    """Connects the service's documents and makes sure their indexes exist."""

    def __init__(self, alias: str, documents: tuple[type[mongoengine.Document], ...] = ()):
        self.alias = alias
        self.documents = documents
        self.database: Database | None = None

    def setup(self) -> None:
        self.database = connect_alias(self.alias)
        for document in self.documents:
            ensure_indexes(document)

    def get_dependency(self, worker_ctx) -> Database:
        return self.database
