"""Contributions on the real stack (RabbitMQ, SecantusDB, SMTP sink): two coordinators
deciding the same proposal at once decide it once (one event, one place), and the contributor
gets the answer by email with the reason."""

from __future__ import annotations

import importlib
import uuid

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.common.tests.callers import ADMIN, COORDINATOR, VERONIQUE
from services.directory.models import Contribution
from services.directory.service import DirectoryService
from services.notifications.service import NotificationsService
from tests.samples import PLACE
from tests.support import EventTap, error_code, metric_total, wait_until


@pytest.fixture
def directory(start_service):
    return start_service(DirectoryService)


def propose(as_, name: str) -> dict:
    payload = {"type": "place", "fields": {**PLACE, "name": name}}
    return as_(VERONIQUE).directory.submit_contribution(payload, uuid.uuid4().hex)


def race(jobs):
    def run(job):
        kind, contribution, client = job
        try:
            if kind == "approve":
                return contribution["id"], client.approve_contribution(
                    contribution["id"], uuid.uuid4().hex
                )["status"]
            return contribution["id"], client.reject_contribution(
                contribution["id"], {"reason": "Déjà connu."}, uuid.uuid4().hex
            )["status"]
        except RemoteError as error:
            assert error_code(error) == "contribution_already_decided", error
            return contribution["id"], "lost"

    return list(eventlet.GreenPool(len(jobs)).imap(run, jobs))


def counted(tap: EventTap, marker_id: str) -> dict[str, int]:
    """Events per contribution, up to the marker's (published after every raced one)."""
    counts: dict[str, int] = {}
    for event in tap.take_until(lambda e: e["data"]["contribution_id"] == marker_id):
        counts[event["data"]["contribution_id"]] = (
            counts.get(event["data"]["contribution_id"], 0) + 1
        )
    return counts


def test_two_coordinators_rejecting_at_once_reject_once(directory, as_, amqp_uri):
    tap = EventTap(amqp_uri, "directory", "contribution_rejected")
    proposals = [propose(as_, f"Lieu {i}") for i in range(6)]
    jobs = [("reject", p, as_(who).directory) for p in proposals for who in (COORDINATOR, ADMIN)]
    results = race(jobs)
    assert {status for _, status in results} == {"rejected"}
    marker = propose(as_, "Marqueur")
    as_(COORDINATOR).directory.reject_contribution(marker["id"], {"reason": "fin"}, "m")
    counts = counted(tap, marker["id"])
    tap.close()
    assert counts == {**{p["id"]: 1 for p in proposals}, marker["id"]: 1}


def test_the_contributor_is_told_why_in_their_language(directory, start_service, as_, smtp_server):
    start_service(NotificationsService)
    proposal = propose(as_, "La Grange")
    refused = as_(COORDINATOR).directory.reject_contribution(
        proposal["id"], {"reason": "Ce lieu est déjà dans l'annuaire."}, "r-1"
    )
    assert refused["status"] == "rejected"
    [email] = wait_until(
        lambda: [m for m in smtp_server.messages() if "La Grange" in str(m["Subject"])]
    )
    assert email["To"].addresses[0].addr_spec == VERONIQUE.email
    text = email.get_body(("plain",)).get_content()
    assert "Ce lieu est déjà dans l'annuaire." in text and "pas retenue" in text
    assert [c["id"] for c in as_(VERONIQUE).directory.my_contributions()] == [proposal["id"]]


def test_an_erased_member_is_forgotten_by_the_directory(directory, as_, territory):
    proposal = propose(as_, "Lieu de Véronique")
    assert as_(VERONIQUE).directory.export_member()["contributions"][0]["id"] == proposal["id"]
    event = make_event(
        "gateway",
        "member_erased",
        {"member_id": VERONIQUE.member_id, "email": VERONIQUE.email},
        territory=territory,
    )

    def handled() -> float:
        return metric_total(
            "maillage_events_handled_total", service="directory", handler="on_member_erased"
        )

    before = handled()
    event_dispatcher()("gateway", "member_erased", event)
    wait_until(lambda: handled() >= before + 1)
    stored = Contribution.objects.get(id=proposal["id"])
    assert stored.submitted_by is None and stored.email is None
    assert stored.fields["name"] == "Lieu de Véronique"
    assert as_(VERONIQUE).directory.export_member() == {"service": "directory"}


def _has_place_appliers() -> bool:
    try:
        return hasattr(importlib.import_module("services.directory.places"), "apply_create")
    except ImportError:
        return False


@pytest.mark.skipif(
    not _has_place_appliers(),
    reason="needs dir-places' places.apply_create (merged with issue 9's places part)",
)
def test_approvals_and_a_rejection_racing_decide_once(directory, as_, rpc_client, amqp_uri):
    approved_tap = EventTap(amqp_uri, "directory", "contribution_approved")
    proposals = [propose(as_, f"Course {i}") for i in range(5)]
    jobs = [
        (kind, p, as_(who).directory)
        for p in proposals
        for kind, who in (("approve", COORDINATOR), ("approve", ADMIN), ("reject", COORDINATOR))
    ]
    results = race(jobs)
    for proposal in proposals:
        outcomes = {status for cid, status in results if cid == proposal["id"]} - {"lost"}
        assert len(outcomes) == 1, outcomes
    marker = propose(as_, "Marqueur")
    as_(COORDINATOR).directory.approve_contribution(marker["id"], "m")
    counts = counted(approved_tap, marker["id"])
    approved_tap.close()
    approved = [c for c in Contribution.objects(status="approved") if c.id != marker["id"]]
    assert all(counts[str(c.id)] == 1 for c in approved)
    names = [p["name"] for p in rpc_client.directory.list_places()]
    for contribution in approved:
        assert names.count(contribution.name) == 1
