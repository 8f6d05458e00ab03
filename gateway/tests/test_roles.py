"""``/api/admin/roles`` (routers/roles.py, rules in accounts/roles.py): who holds which role,
granted and removed by territory staff, idempotent, audited, carried at once in the caller."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.errors import NotFound
from contracts.identity import Caller

from .fakes import PLACE_OUT, FakeRpc, accounts_client, is_problem, member, page_of, remote

OPERATOR = {"Authorization": "Bearer op-token"}
THIERRY = "thierry@example.org"


def grant(role: str, scope: str = "territory", email: str = THIERRY) -> dict[str, str]:
    return {"email": email, "role": role, "scope": scope}


def manager_of(place: str, email: str = THIERRY) -> dict[str, str]:
    return grant("manager", f"place:{place}", email)


@pytest.fixture
def territory():
    """An app whose directory knows p1 and p2, with Thierry (a plain member), an admin and a
    coordinator: (client, db, fake, people by name)."""
    places = {"p1": PLACE_OUT, "p2": {**PLACE_OUT, "id": "p2", "name": "La Ruche"}}

    class Directory(FakeRpc):
        def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
            if (service, method) == ("directory", "get_place"):
                known = places.get(args[0])
                error = NotFound(f"no place {args[0]}", what="place", id=args[0])
                self.script[(service, method)] = known or remote("directory", error)
            return super().call(service, method, *args, **kwargs)

    fake = Directory(script={("directory", "get_place"): PLACE_OUT})
    fake.script[("directory", "list_places")] = list(places.values())
    fake.script[("directory", "search_places")] = page_of(*places.values())
    api, _, db = accounts_client(fake, admin_token="op-token")
    people = {
        "thierry": member(api, THIERRY, "Thierry"),
        "admin": member(api, "ada@example.org", "Ada", roles=("admin",)),
        "coordinator": member(api, "colette@example.org", "Colette", roles=("coordinator",)),
    }
    return api, db, fake, people


def put(who, body: dict[str, str], **kw: Any):
    return who.client.put("/api/admin/roles", json=body, **kw)


def delete(who, body: dict[str, str], **kw: Any):
    return who.client.request("DELETE", "/api/admin/roles", json=body, **kw)


def audit_lines(db) -> list[tuple[str, str, dict]]:
    return [(d["actor"], d["action"], d["details"]) for d in db.audit.find().sort("at", 1)]


def held(db, email: str = THIERRY) -> tuple[list[str], list[str]]:
    found = db.members.find_one({"email": email})
    return found.get("roles", []), found.get("manages", [])


# --- an admin grants and removes every role ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "stored"),
    [
        (grant("coordinator"), (["coordinator"], [])),
        (grant("admin"), (["admin"], [])),
        (manager_of("p1"), ([], ["p1"])),
    ],
)
def test_an_admin_grants_then_removes_a_role(territory, body, stored):
    api, db, fake, people = territory
    admin = people["admin"]
    response = put(admin, body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["member_id"], answer["email"], answer["name"]) == (
        people["thierry"].id,
        THIERRY,
        "Thierry",
    )
    assert answer["grants"] == [{"role": body["role"], "scope": body["scope"]}]
    assert held(db) == stored
    removed = delete(admin, body)
    assert removed.status_code == 200, removed.text
    assert removed.json()["grants"] == [] and held(db) == ([], [])
    thierry = people["thierry"].id
    details = {"member_id": thierry, "role": body["role"], "scope": body["scope"]}
    assert audit_lines(db) == [
        (admin.id, "role_granted", details),
        (admin.id, "role_revoked", details),
    ]


def test_naming_a_manager_checks_the_place_with_the_directory_as_the_granter(territory):
    api, db, fake, people = territory
    assert put(people["admin"], manager_of("p2")).status_code == 200
    [call] = fake.domain_calls()
    assert (call.service, call.method, call.args) == ("directory", "get_place", ("p2",))
    assert Caller.from_context(call.context).member_id == people["admin"].id


def test_the_operator_token_grants_and_is_audited_as_the_operator(territory):
    api, db, fake, people = territory
    response = api.put("/api/admin/roles", json=grant("admin"), headers=OPERATOR)
    assert response.status_code == 200, response.text
    assert held(db) == (["admin"], [])
    [(actor, action, _)] = audit_lines(db)
    assert (actor, action) == ("operator", "role_granted")


def test_the_list_names_every_holder_with_their_grants_by_address(territory):
    api, db, fake, people = territory
    put(people["admin"], manager_of("p1"))
    put(people["admin"], manager_of("p2"))
    listed = people["coordinator"].client.get("/api/admin/roles")
    assert listed.status_code == 200, listed.text
    assert [(h["email"], h["grants"]) for h in listed.json()] == [
        ("ada@example.org", [{"role": "admin", "scope": "territory"}]),
        ("colette@example.org", [{"role": "coordinator", "scope": "territory"}]),
        (
            THIERRY,
            [{"role": "manager", "scope": "place:p1"}, {"role": "manager", "scope": "place:p2"}],
        ),
    ]
    assert all("password_hash" not in h for h in listed.json())


# --- a coordinator names managers, nothing more ------------------------------------------------


def test_a_coordinator_names_and_removes_a_place_manager(territory):
    api, db, fake, people = territory
    coordinator = people["coordinator"]
    assert put(coordinator, manager_of("p1")).status_code == 200
    assert held(db) == ([], ["p1"])
    assert delete(coordinator, manager_of("p1")).status_code == 200
    assert held(db) == ([], [])
    assert [a for a, _, _ in audit_lines(db)] == [coordinator.id, coordinator.id]


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_a_coordinator_cannot_grant_or_remove_a_territory_role(territory, role):
    api, db, fake, people = territory
    coordinator = people["coordinator"]
    is_problem(put(coordinator, grant(role)), 403, "forbidden")
    # nor take one away from someone else
    is_problem(delete(coordinator, grant("admin", email="ada@example.org")), 403, "forbidden")
    assert held(db) == ([], [])
    assert held(db, "ada@example.org") == (["admin"], [])
    assert audit_lines(db) == []


# --- anyone else -------------------------------------------------------------------------------


@pytest.mark.parametrize("manages", [(), ("p1",)])
def test_a_member_or_a_manager_may_neither_read_nor_grant_roles(territory, manages):
    api, db, fake, people = territory
    someone = member(api, "fabienne@example.org", "Fabienne", manages=manages)
    is_problem(someone.client.get("/api/admin/roles"), 403, "forbidden")
    is_problem(put(someone, manager_of("p1")), 403, "forbidden")
    is_problem(delete(someone, manager_of("p1", "fabienne@example.org")), 403, "forbidden")
    assert held(db) == ([], []) and held(db, "fabienne@example.org") == ([], list(manages))
    assert fake.domain_calls() == [] and audit_lines(db) == []


def test_no_one_signed_in_is_401(territory):
    api, db, fake, people = territory
    for response in (
        api.get("/api/admin/roles"),
        api.put("/api/admin/roles", json=grant("admin")),
        api.request("DELETE", "/api/admin/roles", json=grant("admin")),
    ):
        is_problem(response, 401, "authentication_required")
    assert held(db) == ([], []) and audit_lines(db) == []


# --- who and where -----------------------------------------------------------------------------


def test_an_unknown_address_is_404_unknown_member(territory):
    api, db, fake, people = territory
    body = is_problem(
        put(people["admin"], grant("coordinator", email="nobody@example.org")),
        404,
        "unknown_member",
    )
    assert "inscrire" in body["detail"]
    is_problem(
        delete(people["admin"], grant("coordinator", email="nobody@example.org")),
        404,
        "unknown_member",
    )
    assert audit_lines(db) == []


def test_an_unconfirmed_account_is_404_unknown_member(territory):
    api, db, fake, people = territory
    member(api, "pending@example.org", "Pending", confirmed=False)
    is_problem(
        put(people["admin"], grant("coordinator", email="pending@example.org")),
        404,
        "unknown_member",
    )
    assert held(db, "pending@example.org") == ([], [])


def test_the_address_is_read_whatever_its_case(territory):
    api, db, fake, people = territory
    response = put(people["admin"], grant("coordinator", email=" Thierry@Example.ORG"))
    assert response.status_code == 200, response.text
    assert held(db) == (["coordinator"], [])


def test_an_unknown_place_is_the_directorys_404_and_grants_nothing(territory):
    api, db, fake, people = territory
    body = is_problem(put(people["admin"], manager_of("nowhere")), 404, "not_found")
    assert "nowhere" in body["detail"] or body.get("id") == "nowhere"
    assert held(db) == ([], []) and audit_lines(db) == []


@pytest.mark.parametrize(
    "body",
    [
        grant("manager", "club:c1"),  # club roles are named in the club
        grant("admin", "club:c1"),
        grant("manager"),  # a manager manages a place
        grant("coordinator", "place:p1"),  # territory roles are the territory's
        grant("admin", "place:p1"),
        grant("president", "club:c1"),
        grant("manager", "place:"),
        grant("manager", "place:p1/../p2"),
        {"email": THIERRY, "role": "manager"},
        {**manager_of("p1"), "extra": True},
    ],
)
def test_a_club_or_mismatched_scope_is_422(territory, body):
    api, db, fake, people = territory
    is_problem(put(people["admin"], body), 422, "validation_failed")
    is_problem(delete(people["admin"], body), 422, "validation_failed")
    assert held(db) == ([], []) and fake.domain_calls() == [] and audit_lines(db) == []


# --- idempotent, audited -----------------------------------------------------------------------


def test_granting_twice_is_granting_once_with_one_audit_line(territory):
    api, db, fake, people = territory
    first = put(people["admin"], manager_of("p1"))
    second = put(people["admin"], manager_of("p1"))
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert held(db) == ([], ["p1"])
    assert [action for _, action, _ in audit_lines(db)] == ["role_granted"]


def test_removing_twice_or_removing_what_is_not_held_answers_the_same_once_audited(territory):
    api, db, fake, people = territory
    never = delete(people["admin"], grant("coordinator"))
    assert never.status_code == 200 and never.json()["grants"] == []
    assert audit_lines(db) == []  # nothing changed: nothing to audit
    put(people["admin"], grant("coordinator"))
    assert delete(people["admin"], grant("coordinator")).status_code == 200
    assert delete(people["admin"], grant("coordinator")).status_code == 200
    assert [action for _, action, _ in audit_lines(db)] == ["role_granted", "role_revoked"]


def test_the_audit_log_an_admin_reads_names_the_acts_and_their_actors(territory):
    api, db, fake, people = territory
    put(people["coordinator"], manager_of("p1"))
    api.request("DELETE", "/api/admin/roles", json=manager_of("p1"), headers=OPERATOR)
    log = people["admin"].client.get("/api/admin/audit")
    assert log.status_code == 200, log.text
    revoked, granted = log.json()
    assert (granted["actor"], granted["action"]) == (people["coordinator"].id, "role_granted")
    assert (revoked["actor"], revoked["action"]) == ("operator", "role_revoked")
    assert granted["details"] == {
        "member_id": people["thierry"].id,
        "role": "manager",
        "scope": "place:p1",
    }


# --- the grant holds at once -------------------------------------------------------------------


def test_a_grant_shows_in_the_members_next_me_and_in_the_caller_sent_to_services(territory):
    api, db, fake, people = territory
    thierry = people["thierry"]
    assert thierry.client.get("/api/me").json()["manages"] == []
    put(people["admin"], manager_of("p1"))
    put(people["admin"], grant("coordinator"))
    me = thierry.client.get("/api/me").json()
    assert (me["roles"], me["manages"]) == (["coordinator"], ["p1"])
    # the same token, no new sign-in: the services hear the new roles on the next request
    assert thierry.client.get("/api/places").status_code == 200
    caller = Caller.from_context(fake.domain_calls()[-1].context)
    assert caller.member_id == thierry.id
    assert caller.manages == ("p1",) and caller.manages_place("p1")
    assert not caller.manages_place("p2")
    assert [r.value for r in caller.roles] == ["coordinator"]
    # and a removal as fast
    delete(people["admin"], manager_of("p1"))
    thierry.client.get("/api/places")
    assert Caller.from_context(fake.domain_calls()[-1].context).manages == ()
    assert thierry.client.get("/api/me").json()["manages"] == []
