"""``place_managers_changed`` (accounts/place_managers.py): the gateway tells the services who
manages a place after each grant, removal and erasure, with a version growing per place, and
once at start-up for the places whose managers were named before."""

from __future__ import annotations

from gateway.accounts import erasure, place_managers
from gateway.accounts.store import accounts

from .fakes import TestClient, member
from .test_roles import delete, manager_of, put, territory  # noqa: F401 (fixture)


def announced(api) -> list[dict]:
    return api.app.state.events.of("place_managers_changed")


def test_each_grant_and_removal_announces_the_whole_list(territory):  # noqa: F811
    api, _db, _fake, people = territory
    staff = people["admin"]
    thierry, ada = people["thierry"], people["admin"]
    assert put(staff, manager_of("p1")).status_code == 200
    assert put(staff, manager_of("p1", "ada@example.org")).status_code == 200
    assert put(staff, manager_of("p1")).status_code == 200  # held already: nothing new
    assert delete(staff, manager_of("p1")).status_code == 200
    assert put(staff, manager_of("p2")).status_code == 200
    assert [(e["place_id"], e["manager_ids"], e["version"]) for e in announced(api)] == [
        ("p1", [thierry.id], 1),
        ("p1", sorted([thierry.id, ada.id]), 2),
        ("p1", [ada.id], 3),
        ("p2", [thierry.id], 1),
    ]


def test_a_territory_role_announces_nothing(territory):  # noqa: F811
    api, _db, _fake, people = territory
    body = {"email": "thierry@example.org", "role": "coordinator", "scope": "territory"}
    assert put(people["admin"], body).status_code == 200
    assert announced(api) == []


def test_an_erased_manager_leaves_their_places(territory):  # noqa: F811
    api, db, _fake, people = territory
    staff = people["admin"]
    put(staff, manager_of("p1"))
    put(staff, manager_of("p1", "ada@example.org"))
    store = accounts(api.app.state)
    erasure.erase(db, store, api.app.state.events, store.member(people["thierry"].id))
    last = announced(api)[-1]
    assert (last["place_id"], last["manager_ids"], last["version"]) == (
        "p1",
        [people["admin"].id],
        3,
    )


def test_the_backfill_announces_earlier_managers_once(territory):  # noqa: F811
    api, db, _fake, _people = territory
    # Named before this version: straight in the store, no event.
    earlier = member(api, "sandrine@example.org", "Sandrine", manages=("p1", "p2"))
    later = member(api, "vero@example.org", "Véro", manages=("p2",))
    store = accounts(api.app.state)
    events = api.app.state.events
    assert place_managers.backfill(db, store, events) == ["p1", "p2"]
    assert place_managers.backfill(db, store, events) == []  # a restart: nothing more
    assert [(e["place_id"], e["manager_ids"]) for e in announced(api)] == [
        ("p1", [earlier.id]),
        ("p2", sorted([earlier.id, later.id])),
    ]


def test_the_gateway_backfills_at_start_up(territory):  # noqa: F811
    api, _db, _fake, _people = territory
    sandrine = member(api, "sandrine@example.org", "Sandrine", manages=("p1",))

    class StartedEvents(type(api.app.state.events)):
        def start(self) -> None: ...

        def stop(self) -> None: ...

    api.app.state.events = events = StartedEvents()
    with TestClient(api.app):  # runs the app's start-up
        pass
    assert events.of("place_managers_changed") == [
        {"place_id": "p1", "manager_ids": [sandrine.id], "version": 1}
    ]
