"""Insert a document once per idempotency key (a unique index), whatever the retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import mongoengine
from mongoengine.errors import NotUniqueError

from contracts.errors import IdempotencyMismatch

Doc = TypeVar("Doc", bound=mongoengine.Document)


def insert_once(
    document: type[Doc], key: str, digest: str, build: Callable[[], Doc], what: str
) -> Doc:
    """The document stored under ``key``, created by ``build()`` if there is none yet.

    The unique index on ``idempotency_key`` settles races; a key reused for a request with
    another fingerprint is refused rather than answered with someone else's result.
    """
    existing = document.objects(idempotency_key=key).first()
    if existing is None:
        created = build()
        try:
            created.save(force_insert=True)
            return created
        except NotUniqueError:
            existing = document.objects(idempotency_key=key).first()
    if existing.fingerprint != digest:
        raise IdempotencyMismatch(
            f"this Idempotency-Key was used for a different {what}", what=what
        )
    return existing
