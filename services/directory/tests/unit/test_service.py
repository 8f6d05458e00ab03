"""The directory service without broker or server: each entrypoint hands its arguments to the
right command or query (``worker_factory``), and the commands' rules on mongomock.

The same against RabbitMQ and SecantusDB (outbox relay included): ``tests/service``.
"""

from __future__ import annotations

import pytest
from nameko.testing.services import worker_factory

from contracts.errors import (
    AuthenticationRequired,
    Forbidden,
    IdempotencyMismatch,
    NotFound,
    ValidationFailed,
)
from contracts.identity import ANONYMOUS, Caller
from services.common.tests.callers import (
    ADMIN,
    COORDINATOR,
    MANAGER,
    OPERATOR,
    VERONIQUE,
)
from services.common.tests.callers import name as caller_name
from services.directory import places, queries
from services.directory.models import ALIAS, Place
from services.directory.service import DirectoryService
from tests.samples import PLACE
from tests.support import RESULT, RecordingStager, mongomock_alias


@pytest.fixture
def worker():
    return worker_factory(DirectoryService)


def test_create_place_goes_to_its_command_with_the_event_stager(worker, delegate):
    fake = delegate(places, "create_place")
    assert worker.create_place(PLACE, "key-1") is RESULT
    fake.assert_called_once_with(PLACE, "key-1", worker.events, worker.caller)


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


def create(payload: dict, key: str, who: Caller = COORDINATOR) -> dict:
    return places.create_place(payload, key, RecordingStager("directory"), who)


def test_a_place_is_written_once_per_key_with_its_event(db):
    events = RecordingStager("directory")
    first = places.create_place(PLACE, "riez", events, COORDINATOR)
    again = places.create_place(PLACE, "riez", events, COORDINATOR)
    assert again == first and Place.objects.count() == 1
    [stored] = db.places.find()
    [event] = stored["outbox"]
    assert stored["outbox_pending"] is True
    assert event["type"] == "place_created" and event["data"]["place_id"] == first["id"]
    assert events.flushed == 2


def test_a_key_reused_for_another_place_is_refused(db):
    create(PLACE, "riez")
    with pytest.raises(IdempotencyMismatch):
        create({**PLACE, "name": "Autre"}, "riez")


def test_an_invalid_place_writes_nothing(db):
    with pytest.raises(ValidationFailed):
        create({**PLACE, "status": "imaginary"}, "bad")
    assert Place.objects.count() == 0


def test_places_are_read_by_id_and_by_status(db):
    riez = create(PLACE, "riez")
    asoft = create({**PLACE, "name": "Asoft", "status": "project"}, "a", ADMIN)
    assert queries.get_place(riez["id"]) == riez
    assert queries.list_places("project") == [asoft]
    assert [p["name"] for p in queries.list_places()] == ["Asoft", "Tiers-lieu de Riez"]
    for missing in ("0" * 24, "not-an-id"):
        with pytest.raises(NotFound):
            queries.get_place(missing)


# --- who adds a place: a coordinator or a territory admin ---------------------------------------
@pytest.mark.parametrize("who", [COORDINATOR, ADMIN, OPERATOR], ids=caller_name)
def test_a_coordinator_or_an_admin_adds_a_place(db, who):
    created = create(PLACE, "riez", who)
    assert queries.get_place(created["id"])["name"] == PLACE["name"]


@pytest.mark.parametrize(
    ("who", "refusal", "status", "code"),
    [
        (VERONIQUE, Forbidden, 403, "forbidden"),
        (MANAGER, Forbidden, 403, "forbidden"),  # a place's manager adds no other place
        (ANONYMOUS, AuthenticationRequired, 401, "authentication_required"),
    ],
    ids=["member", "manager", "anonymous"],
)
def test_anyone_else_adds_no_place(db, who, refusal, status, code):
    events = RecordingStager("directory")
    with pytest.raises(refusal) as refused:
        places.create_place(PLACE, "riez", events, who)
    assert (refused.value.status, refused.value.code) == (status, code)
    assert Place.objects.count() == 0 and events.flushed == 0


def test_the_refusal_comes_before_the_payload_is_read(db):
    """Who may not add a place learns nothing of what a valid one is."""
    with pytest.raises(Forbidden):
        create({"name": ""}, "bad", VERONIQUE)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (COORDINATOR, True),
        (ADMIN, True),
        (OPERATOR, True),
        (VERONIQUE, False),
        (MANAGER, False),
        (ANONYMOUS, False),
    ],
    ids=caller_name,
)
def test_may_create_place(who, allowed):
    assert places.may_create_place(who) is allowed
