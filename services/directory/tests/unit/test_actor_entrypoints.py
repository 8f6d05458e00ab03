"""The actors' entrypoints hand their arguments (with the caller and the event stager) to the
right command or query (``worker_factory``, no broker)."""

from __future__ import annotations

import pytest
from nameko.testing.services import worker_factory

from services.directory import actor_search, actors, contacts
from services.directory.service import DirectoryService
from tests.support import RESULT


@pytest.fixture
def worker():
    return worker_factory(DirectoryService)


@pytest.mark.parametrize(
    ("entrypoint", "args", "module", "function", "expected"),
    [
        (
            "create_actor",
            ({"name": "A"}, "k"),
            actors,
            "create_actor",
            ({"name": "A"}, "k", "E", "C"),
        ),
        ("update_actor", ("a1", {}, "k"), actors, "update_actor", ("a1", {}, "k", "E", "C")),
        ("remove_actor", ("a1", "k"), actors, "remove_actor", ("a1", "k", "E", "C")),
        ("get_actor", ("a1",), actor_search, "get_actor", ("a1", "C")),
        ("search_actors", ({"q": "x"},), actor_search, "search_actors", ({"q": "x"}, "C")),
        ("portal", ("p1",), actor_search, "portal", ("p1", "C")),
        ("request_contact", ({}, "k"), contacts, "request_contact", ({}, "k", "E")),
        ("contact_request", ("t",), contacts, "contact_request", ("t",)),
        ("reply_contact", ("t", {}, "k"), contacts, "reply_contact", ("t", {}, "k", "E")),
        ("contact_stats", (3,), contacts, "contact_stats", (3, "C")),
    ],
)
def test_each_entrypoint_delegates(worker, delegate, entrypoint, args, module, function, expected):
    fake = delegate(module, function)
    assert getattr(worker, entrypoint)(*args) is RESULT
    wanted = tuple(
        worker.events if a == "E" else worker.caller if a == "C" else a for a in expected
    )
    fake.assert_called_once_with(*wanted)
