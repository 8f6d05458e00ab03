"""Contributions and moderation on mongomock, with stand-ins for the owners' ``apply_*``
(``standins.py``): who may propose and decide, what a proposal holds, duplicates flagged,
approval applying the change once with its history, the contributor's answer as events.

Concurrency (two coordinators at once) is tested on SecantusDB:
``tests/service/test_contributions_service.py``."""

from __future__ import annotations

import sys

import pytest
from bson import ObjectId

from contracts.directory import ContributionAlreadyDecided
from contracts.errors import AuthenticationRequired, Forbidden, NotFound, ValidationFailed
from contracts.identity import ANONYMOUS, Caller
from services.common.tests.callers import COORDINATOR, MANAGER, THIERRY, VERONIQUE
from services.directory import contributions, history
from services.directory.models import ALIAS, Contribution
from services.directory.rules.cells import cells_of
from tests.samples import PLACE
from tests.support import RecordingStager, mongomock_alias

from . import standins

ACTOR = {
    "name": "Menuiserie Giraud",
    "trade": "menuisier",
    "categories": ["crafts"],
    "commune": "Riez",
    "postal_code": "04500",
    "location": {"lat": 43.82, "lon": 6.09},
}


@pytest.fixture(autouse=True)
def database():
    with mongomock_alias(ALIAS) as db:
        yield db


@pytest.fixture
def calls(monkeypatch):
    return standins.install(monkeypatch)


@pytest.fixture
def events():
    return RecordingStager("directory")


def propose(events, fields=PLACE, who=VERONIQUE, key="k-1", kind="place", target=None, note=None):
    payload = {"type": kind, "fields": fields, **({"note": note} if note else {})}
    if target:
        payload["target_id"] = target
    return contributions.submit(payload, key, events, who)


def staged(contribution_id):
    return [e["type"] for e in Contribution.objects.get(id=contribution_id).outbox]


def test_anyone_signed_in_proposes_and_it_waits(events):
    with pytest.raises(AuthenticationRequired):
        propose(events, who=ANONYMOUS)
    proposal = propose(events, note="ouvert depuis mars")
    assert proposal["status"] == "pending" and proposal["submitted_by"] == VERONIQUE.member_id
    assert proposal["fields"]["name"] == PLACE["name"] and proposal["note"] == "ouvert depuis mars"
    assert staged(proposal["id"]) == ["contribution_submitted"]
    assert events.flushed == 1


def test_a_proposal_is_idempotent_by_key(events):
    first = propose(events)
    assert propose(events)["id"] == first["id"]
    assert Contribution.objects.count() == 1


def test_a_new_record_is_validated_whole_and_an_edit_field_by_field(events, database):
    with pytest.raises(ValidationFailed) as refused:
        propose(events, fields={**PLACE, "postal_code": "4500"})
    assert refused.value.params["errors"][0]["field"] == "fields.postal_code"
    with pytest.raises(ValidationFailed):
        propose(events, fields={"name": "Sans commune"})
    place_id = str(database.places.insert_one({"name": "Riez", "owner_id": None}).inserted_id)
    edit = propose(events, fields={"opening_hours": "Mo-Fr 09:00-17:00"}, target=place_id)
    assert edit["fields"] == {"opening_hours": "Mo-Fr 09:00-17:00"} and edit["name"] == "Riez"
    for bad in ({"opening_hours": "tous les jours"}, {"colour": "red"}, {"name": None}):
        with pytest.raises(ValidationFailed):
            propose(events, fields=bad, target=place_id, key=f"k-{bad}")
    with pytest.raises(NotFound):
        propose(events, fields={"name": "X"}, target=str(ObjectId()), key="k-nf")


def test_likely_duplicates_are_flagged(events, database):
    near = {**PLACE, "location": {"lat": 43.825, "lon": 6.095}}  # under a kilometre away
    existing = database.places.insert_one(
        {
            "name": "TIERS LIEU DE RIEZ",
            "location": {"type": "Point", "coordinates": [6.0928, 43.8186]},
            "cells": cells_of(43.8186, 6.0928),
        }
    ).inserted_id
    database.places.insert_one(  # same name, in Mende: another place
        {
            "name": "Tiers-lieu de Riez",
            "location": {"type": "Point", "coordinates": [3.5, 44.5]},
            "cells": cells_of(44.5, 3.5),
        }
    )
    same_siret = database.places.insert_one(
        {
            "name": "Autre nom",
            "siret": "12345678901234",
            "location": {"type": "Point", "coordinates": [3.5, 44.5]},
            "cells": cells_of(44.5, 3.5),
        }
    ).inserted_id
    first = propose(events, fields={**near, "siret": "12345678901234"})
    flagged = {(d["id"], d["why"]) for d in first["duplicates"]}
    assert flagged == {(str(existing), "same_name_nearby"), (str(same_siret), "same_siret")}
    second = propose(events, fields=near, who=THIERRY, key="k-2")
    assert {
        "kind": "contribution",
        "id": first["id"],
        "name": PLACE["name"],
        "why": "same_name_nearby",
    } in second["duplicates"]
    elsewhere = propose(events, fields={**PLACE, "name": "La Grange"}, key="k-3")
    assert elsewhere["duplicates"] == []


def test_only_coordinators_decide(events, calls):
    proposal = propose(events)
    for who in (VERONIQUE, MANAGER):
        with pytest.raises(Forbidden):
            contributions.approve(proposal["id"], "a-1", events, who)
        with pytest.raises(Forbidden):
            contributions.reject(proposal["id"], {"reason": "non"}, "r-1", events, who)
    with pytest.raises(AuthenticationRequired):
        contributions.queue("pending", ANONYMOUS)
    assert calls == []


def test_approval_creates_the_place_once_with_its_history(events, calls, database):
    proposal = propose(events)
    approved = contributions.approve(proposal["id"], "a-1", events, COORDINATOR)
    assert approved["status"] == "approved" and approved["decided_by"] == COORDINATOR.member_id
    place = database.places.find_one({"_id": ObjectId(approved["record_id"])})
    assert place["name"] == PLACE["name"]
    assert contributions.approve(proposal["id"], "a-2", events, COORDINATOR) == approved
    assert calls == [("apply_create", f"contribution:{proposal['id']}")]
    assert staged(proposal["id"]) == ["contribution_submitted", "contribution_approved"]
    [change] = history.history_of("place", approved["record_id"])
    assert change["contribution_id"] == proposal["id"] and change["by"] == COORDINATOR.member_id
    assert change["changes"]["name"] == [None, PLACE["name"]]
    with pytest.raises(ContributionAlreadyDecided):
        contributions.reject(proposal["id"], {"reason": "trop tard"}, "r-1", events, COORDINATOR)
    assert contributions.queue("pending", COORDINATOR) == []
    assert [c["id"] for c in contributions.queue("approved", COORDINATOR)] == [proposal["id"]]


def test_an_approved_edit_changes_the_record_and_says_from_what(events, calls, database):
    actor_id = str(database.actors.insert_one({**ACTOR, "owner_id": "m-owner"}).inserted_id)
    edit = propose(events, kind="actor", fields={"trade": "ébéniste"}, target=actor_id)
    approved = contributions.approve(edit["id"], "a-1", events, COORDINATOR)
    assert approved["record_id"] == actor_id
    assert database.actors.find_one({"_id": ObjectId(actor_id)})["trade"] == "ébéniste"
    assert calls == [("apply_update_actor", f"contribution:{edit['id']}")]
    [change] = history.history_of("actor", actor_id)
    assert change["changes"] == {"trade": ["menuisier", "ébéniste"]}
    assert change["contribution_id"] == edit["id"]


def test_a_rejection_keeps_its_reason_and_tells_the_contributor(events, calls):
    proposal = propose(events)
    rejected = contributions.reject(
        proposal["id"], {"reason": "Ce lieu a fermé en 2024."}, "r-1", events, COORDINATOR
    )
    assert rejected["status"] == "rejected" and rejected["reason"] == "Ce lieu a fermé en 2024."
    [_, answer] = Contribution.objects.get(id=proposal["id"]).outbox
    assert answer["type"] == "contribution_rejected"
    assert answer["data"]["email"] == VERONIQUE.email
    assert answer["data"]["reason"] == "Ce lieu a fermé en 2024."
    again = contributions.reject(proposal["id"], {"reason": "autre"}, "r-2", events, COORDINATOR)
    assert again["reason"] == "Ce lieu a fermé en 2024."
    with pytest.raises(ContributionAlreadyDecided):
        contributions.approve(proposal["id"], "a-1", events, COORDINATOR)
    with pytest.raises(ValidationFailed):
        contributions.reject(proposal["id"], {"reason": ""}, "r-3", events, COORDINATOR)
    assert calls == []


def test_a_claimed_approval_left_unfinished_is_finished_later(events, calls):
    proposal = propose(events)
    Contribution.objects(id=proposal["id"]).update_one(set__status="approving")
    with pytest.raises(ContributionAlreadyDecided):  # claimed: no rejection any more
        contributions.reject(proposal["id"], {"reason": "non"}, "r-1", events, COORDINATOR)
    assert contributions.approve(proposal["id"], "a-1", events, COORDINATOR)["status"] == "approved"
    assert staged(proposal["id"]) == ["contribution_submitted", "contribution_approved"]


def test_members_see_their_own_proposals_only(events):
    mine = propose(events)
    propose(events, fields={**PLACE, "name": "Autre"}, who=THIERRY, key="k-2")
    assert [c["id"] for c in contributions.mine(VERONIQUE)] == [mine["id"]]
    assert contributions.get(mine["id"], VERONIQUE)["id"] == mine["id"]
    with pytest.raises(Forbidden):
        contributions.get(mine["id"], THIERRY)
    assert contributions.get(mine["id"], COORDINATOR)["id"] == mine["id"]


def test_a_record_s_history_is_for_coordinators_managers_and_owners(database):
    place_id = str(database.places.insert_one({"name": "Riez"}).inserted_id)
    actor_id = str(
        database.actors.insert_one({"name": "Giraud", "owner_id": "m-owner"}).inserted_id
    )
    manager = Caller(member_id="m-riez", manages=(place_id,))
    owner = Caller(member_id="m-owner")
    history.record("place", place_id, "k", COORDINATOR, "updated", {"name": "A"}, {"name": "Riez"})
    assert len(contributions.record_history("place", place_id, manager)) == 1
    assert contributions.record_history("place", place_id, COORDINATOR)
    assert contributions.record_history("actor", actor_id, owner) == []
    for who, kind, record in ((VERONIQUE, "place", place_id), (manager, "actor", actor_id)):
        with pytest.raises(Forbidden):
            contributions.record_history(kind, record, who)
    with pytest.raises(NotFound):
        contributions.record_history("place", str(ObjectId()), COORDINATOR)


def test_an_erased_member_is_no_longer_named(events, calls, database):
    theirs = propose(events)
    other = propose(events, fields={**PLACE, "name": "Autre"}, who=THIERRY, key="k-2")
    approved = contributions.approve(other["id"], "a-1", events, COORDINATOR)
    assert [c["id"] for c in contributions.member_contributions(VERONIQUE.member_id)] == [
        theirs["id"]
    ]
    event = {"data": {"member_id": VERONIQUE.member_id, "email": VERONIQUE.email}}
    assert contributions.erase_member(event) == 1
    kept = Contribution.objects.get(id=theirs["id"])
    assert kept.submitted_by is None and kept.email is None and kept.contributor_name is None
    assert kept.fields["name"] == PLACE["name"]
    assert all(e["data"]["submitted_by"] is None for e in kept.outbox)
    assert Contribution.objects.get(id=other["id"]).submitted_by == THIERRY.member_id
    coordinator = {"data": {"member_id": COORDINATOR.member_id, "email": COORDINATOR.email}}
    contributions.erase_member(coordinator)
    assert Contribution.objects.get(id=other["id"]).decided_by is None
    [change] = history.history_of("place", approved["record_id"])
    assert change["by"] is None
    assert contributions.erase_member(event) == 0  # idempotent


def test_an_approval_the_owner_refuses_goes_back_to_pending(events, calls, database, monkeypatch):
    place_id = str(database.places.insert_one({"name": "Riez"}).inserted_id)
    edit = propose(events, fields={"name": "Riez centre"}, target=place_id)

    def refuse(*args):
        raise NotFound("gone", what="place", id=place_id)

    monkeypatch.setattr(sys.modules["services.directory.places"], "apply_update", refuse)
    with pytest.raises(NotFound):
        contributions.approve(edit["id"], "a-1", events, COORDINATOR)
    assert Contribution.objects.get(id=edit["id"]).status == "pending"
    rejected = contributions.reject(edit["id"], {"reason": "Fermé"}, "r-1", events, COORDINATOR)
    assert rejected["status"] == "rejected"
