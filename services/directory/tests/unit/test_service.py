"""The directory service without broker or server: each entrypoint hands its arguments to the
right command or query (``worker_factory``), and the commands' rules on mongomock.

The same against RabbitMQ and SecantusDB (outbox relay included): ``tests/service``.
"""

from __future__ import annotations

import pytest
from nameko.testing.services import worker_factory

from contracts.errors import IdempotencyMismatch, NotFound, ValidationFailed
from services.directory import commands, queries
from services.directory.models import ALIAS, Place
from services.directory.service import DirectoryService
from tests.samples import PLACE
from tests.support import RESULT, RecordingStager, mongomock_alias


@pytest.fixture
def worker():
    return worker_factory(DirectoryService)


def test_create_place_goes_to_its_command_with_the_event_stager(worker, delegate):
    fake = delegate(commands, "create_place")
    assert worker.create_place(PLACE, "key-1") is RESULT
    fake.assert_called_once_with(PLACE, "key-1", worker.events)


@pytest.mark.parametrize(
    ("entrypoint", "args", "function", "expected"),
    [
        ("get_place", ("p1",), "get_place", ("p1",)),
        ("list_places", ("open",), "list_places", ("open",)),
        ("list_places", (), "list_places", (None,)),
    ],
)
def test_reads_go_to_queries(worker, delegate, entrypoint, args, function, expected):
    fake = delegate(queries, function)
    assert getattr(worker, entrypoint)(*args) is RESULT
    fake.assert_called_once_with(*expected)


def test_health_pings_the_database(worker):
    assert worker.health() == {"service": "directory", "status": "ok"}
    worker.db.command.assert_called_once_with("ping")


# --- commands and queries on mongomock ---------------------------------------------------------


@pytest.fixture
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


def test_a_place_is_written_once_per_key_with_its_event(db):
    events = RecordingStager("directory")
    first = commands.create_place(PLACE, "riez", events)
    again = commands.create_place(PLACE, "riez", events)
    assert again == first and Place.objects.count() == 1
    [stored] = db.places.find()
    [event] = stored["outbox"]
    assert stored["outbox_pending"] is True
    assert event["type"] == "place_created" and event["data"]["place_id"] == first["id"]
    assert events.flushed == 2


def test_a_key_reused_for_another_place_is_refused(db):
    commands.create_place(PLACE, "riez", RecordingStager("directory"))
    with pytest.raises(IdempotencyMismatch):
        commands.create_place({**PLACE, "name": "Autre"}, "riez", RecordingStager("directory"))


def test_an_invalid_place_writes_nothing(db):
    with pytest.raises(ValidationFailed):
        commands.create_place({**PLACE, "status": "imaginary"}, "bad", RecordingStager("directory"))
    assert Place.objects.count() == 0


def test_places_are_read_by_id_and_by_status(db):
    riez = commands.create_place(PLACE, "riez", RecordingStager("directory"))
    asoft = commands.create_place(
        {**PLACE, "name": "Asoft", "status": "project"}, "a", RecordingStager("directory")
    )
    assert queries.get_place(riez["id"]) == riez
    assert queries.list_places("project") == [asoft]
    assert [p["name"] for p in queries.list_places()] == ["Asoft", "Tiers-lieu de Riez"]
    for missing in ("0" * 24, "not-an-id"):
        with pytest.raises(NotFound):
            queries.get_place(missing)
