"""The clubs service without broker or server: its entrypoint hands its arguments to the
query (``worker_factory``), and the query on mongomock."""

from __future__ import annotations

from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from contracts.clubs import ClubOut
from services.clubs import queries
from services.clubs.models import ALIAS, Club
from services.clubs.service import ClubsService
from tests.support import mongomock_alias


@pytest.fixture
def worker():
    return worker_factory(ClubsService)


@pytest.mark.parametrize(("args", "expected"), [(("p1",), ("p1",)), ((), (None,))])
def test_list_clubs_goes_to_its_query(worker, monkeypatch, args, expected):
    fake = mock.create_autospec(queries.list_clubs, return_value=mock.sentinel.clubs)
    monkeypatch.setattr(queries, "list_clubs", fake)
    assert worker.list_clubs(*args) is mock.sentinel.clubs
    fake.assert_called_once_with(*expected)


def test_health_pings_the_database(worker):
    assert worker.health() == {"service": "clubs", "status": "ok"}
    worker.db.command.assert_called_once_with("ping")


def test_clubs_are_listed_by_name_and_by_place():
    with mongomock_alias(ALIAS):
        for name, place in [("Transition", "p1"), ("Hôtes", "p2"), ("WordPress", "p1")]:
            Club(name=name, place_id=place).save()
        assert [c["name"] for c in queries.list_clubs()] == ["Hôtes", "Transition", "WordPress"]
        assert [c["name"] for c in queries.list_clubs("p1")] == ["Transition", "WordPress"]
        assert queries.list_clubs("p3") == []
        assert set(queries.list_clubs("p2")[0]) == set(ClubOut.model_fields)


@pytest.mark.parametrize(
    ("entrypoint", "module", "function", "args", "expected"),
    [
        ("get_club", "queries", "get_club", ("c1",), ("c1",)),
        ("create_club", "club_commands", "create_club", ({"n": 1}, "k"), ({"n": 1}, "k")),
        ("update_club", "club_commands", "update_club", ("c1", {}, "k"), ("c1", {}, "k")),
        ("set_status", "club_commands", "set_status", ("c1", {}, "k"), ("c1", {}, "k")),
        ("hand_over", "club_commands", "hand_over", ("c1", {}, "k"), ("c1", {}, "k")),
        ("list_members", "queries", "list_members", ("c1",), ("c1",)),
        ("my_standing", "queries", "my_standing", ("c1",), ("c1",)),
        ("my_clubs", "queries", "my_clubs", (), ()),
        ("get_workshop", "workshops", "get_workshop", ("w1",), ("w1",)),  # may_organise
        ("join", "members", "join", ("c1", "k"), ("c1", "k")),
        ("leave", "members", "leave", ("c1", "m1", "k"), ("c1", "m1", "k")),
        ("set_role", "members", "set_role", ("c1", "m1", {}, "k"), ("c1", "m1", {}, "k")),
        ("list_join_requests", "queries", "list_join_requests", ("c1",), ("c1",)),
        (
            "answer_join_request",
            "members",
            "answer_request",
            ("c1", "m1", {}, "k"),
            ("c1", "m1", {}, "k"),
        ),
        ("list_announcements", "announcements", "list_announcements", ("c1",), ("c1",)),
        ("post_announcement", "announcements", "post", ("c1", {}, "k"), ("c1", {}, "k")),
    ],
)
def test_each_entrypoint_hands_its_arguments_and_the_caller_over(
    worker, monkeypatch, entrypoint, module, function, args, expected
):
    import importlib

    target = importlib.import_module(f"services.clubs.{module}")
    fake = mock.create_autospec(getattr(target, function), return_value=mock.sentinel.answer)
    monkeypatch.setattr(target, function, fake)
    assert getattr(worker, entrypoint)(*args) is mock.sentinel.answer
    called = fake.call_args.args
    assert called[: len(expected)] == expected
    if entrypoint != "get_club":  # a club is public
        assert called[-1] is worker.caller  # the object rules see who is asking


@pytest.mark.parametrize(
    ("entrypoint", "module", "function", "args"),
    [
        ("list_workshops", "workshops", "list_workshops", ("p1", None)),
        ("agenda", "agenda", "agenda", ("p1", None, None)),
    ],
)
def test_workshop_reads_go_to_their_module(worker, monkeypatch, entrypoint, module, function, args):
    import importlib

    target = importlib.import_module(f"services.clubs.{module}")
    fake = mock.create_autospec(getattr(target, function), return_value=mock.sentinel.answer)
    monkeypatch.setattr(target, function, fake)
    assert getattr(worker, entrypoint)(*args) is mock.sentinel.answer
    fake.assert_called_once_with(*args)


@pytest.mark.parametrize(
    ("entrypoint", "module", "function", "args"),
    [
        ("rsvp", "rsvps", "answer", ("w1", "k1")),
        ("cancel_rsvp", "rsvps", "cancel", ("w1", "k1")),
        ("cancel_workshop", "workshops", "cancel_workshop", ("w1", "k1")),
    ],
)
def test_workshop_writes_get_the_stager_and_the_caller(
    worker, monkeypatch, entrypoint, module, function, args
):
    import importlib

    target = importlib.import_module(f"services.clubs.{module}")
    fake = mock.create_autospec(getattr(target, function), return_value=mock.sentinel.answer)
    monkeypatch.setattr(target, function, fake)
    assert getattr(worker, entrypoint)(*args) is mock.sentinel.answer
    fake.assert_called_once_with(*args, worker.events, worker.caller)
