"""One document per idempotency key, whatever the retries and races (mongomock)."""

from __future__ import annotations

import mongoengine
import pytest
from mongoengine import StringField

from contracts.errors import IdempotencyMismatch
from services.common.db import ensure_indexes
from services.common.idempotency import insert_once
from tests.support import mongomock_alias


class Order(mongoengine.Document):
    meta = {
        "db_alias": "unit",
        "collection": "orders",
        "auto_create_index": False,
        "indexes": [{"fields": ["idempotency_key"], "unique": True}],
    }
    idempotency_key = StringField(required=True)
    fingerprint = StringField(required=True)
    label = StringField()


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias("unit") as database:
        ensure_indexes(Order)
        yield database


def build(label: str, key: str = "k1", digest: str = "d1"):
    built = []

    def make() -> Order:
        built.append(label)
        return Order(idempotency_key=key, fingerprint=digest, label=label)

    make.built = built
    return make


def test_the_first_call_creates_and_later_ones_return_it():
    first = insert_once(Order, "k1", "d1", build("first"), "order")
    again = build("again")
    second = insert_once(Order, "k1", "d1", again, "order")
    assert second.id == first.id and second.label == "first"
    assert again.built == []  # nothing built when the key is known
    assert Order.objects.count() == 1


def test_other_keys_make_other_documents():
    insert_once(Order, "k1", "d1", build("a", "k1"), "order")
    insert_once(Order, "k2", "d1", build("b", "k2"), "order")
    assert sorted(o.label for o in Order.objects) == ["a", "b"]


def test_a_key_reused_for_another_request_is_refused():
    insert_once(Order, "k1", "d1", build("first"), "order")
    with pytest.raises(IdempotencyMismatch) as error:
        insert_once(Order, "k1", "other", build("second", digest="other"), "booking")
    assert error.value.params == {"what": "booking"}
    assert "booking" in str(error.value)
    assert Order.objects.count() == 1


def test_a_race_lost_on_the_unique_index_returns_the_winner(monkeypatch):
    """Two requests with one key both find nothing; the second insert hits the index."""
    winner = Order(idempotency_key="k1", fingerprint="d1", label="winner")

    def build_after_the_winner_saved() -> Order:
        winner.save(force_insert=True)
        return Order(idempotency_key="k1", fingerprint="d1", label="loser")

    found = insert_once(Order, "k1", "d1", build_after_the_winner_saved, "order")
    assert found.id == winner.id and found.label == "winner"
    assert Order.objects.count() == 1


def test_a_race_lost_to_another_request_is_still_refused():
    def build_after_another_request_saved() -> Order:
        Order(idempotency_key="k1", fingerprint="other", label="other").save()
        return Order(idempotency_key="k1", fingerprint="d1", label="mine")

    with pytest.raises(IdempotencyMismatch):
        insert_once(Order, "k1", "d1", build_after_another_request_saved, "order")
