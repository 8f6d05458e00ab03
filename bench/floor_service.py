"""The floor of ``bench.booking_vs_floor``: one RPC doing one indexed insert into the
platform's SecantusDB, nothing else (no outbox, no event). Bench-only, never shipped.

    python -m bench.floor_service      (MAILLAGE_AMQP_URI, MAILLAGE_MONGO_URI as any service)
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # before anything else imports socket or threading

from contextlib import suppress  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import mongoengine  # noqa: E402
from mongoengine.errors import NotUniqueError  # noqa: E402

from services.common.db import MongoDatabase, collection_meta  # noqa: E402
from services.common.rpc import rpc  # noqa: E402
from services.common.runner import run_service  # noqa: E402

ALIAS = "bench_floor"


class FloorOrder(mongoengine.Document):
    meta = collection_meta(ALIAS, "orders", {"fields": ["key"], "unique": True})
    key = mongoengine.StringField(required=True)
    body = mongoengine.DictField()
    created_at = mongoengine.DateTimeField()


class FloorService:
    name = "floor"
    db = MongoDatabase(ALIAS, (FloorOrder,))

    @rpc
    def insert(self, body: dict, key: str) -> dict:
        """One insert into a collection with a unique index (as an idempotency key is)."""
        order = FloorOrder(key=key, body=body, created_at=datetime.now(UTC))
        with suppress(NotUniqueError):  # a retry with the key: already there
            order.save(force_insert=True)
        return {"id": str(order.id), "key": key, **body}


if __name__ == "__main__":
    run_service(FloorService)
