"""Contributions and moderation (directory service): anyone signed in proposes a place, an
actor or an edit; coordinators see the queue and approve or reject. A record's history.

The directory decides who may (``services/directory/contributions/``); the gateway passes
the caller along."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from contracts.directory import (
    ContributionIn,
    ContributionOut,
    ContributionStatus,
    HistoryEntry,
    RejectContributionIn,
)

from ..deps import IdempotencyKey, ServicesDep

router = APIRouter(tags=["contributions"])


@router.post("/contributions", status_code=201, response_model=ContributionOut)
def submit_contribution(
    body: ContributionIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Propose a new place or actor (``target_id`` absent), or an edit of one (only the
    fields to change); it waits for a coordinator. Likely duplicates come back flagged."""
    payload = body.model_dump(mode="json", exclude_unset=True)
    return services.call("directory", "submit_contribution", payload, key)


@router.get("/contributions", response_model=list[ContributionOut])
def list_contributions(
    services: ServicesDep, status: ContributionStatus = Query(ContributionStatus.pending)
) -> list[dict]:
    """The coordinator's queue (pending by default, oldest first)."""
    return services.call("directory", "list_contributions", status.value)


@router.get("/contributions/{contribution_id}", response_model=ContributionOut)
def get_contribution(contribution_id: str, services: ServicesDep) -> dict[str, Any]:
    return services.call("directory", "get_contribution", contribution_id)


@router.post("/contributions/{contribution_id}/approve", response_model=ContributionOut)
def approve_contribution(
    contribution_id: str, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Apply the proposal (once, whoever else approves at the same time)."""
    return services.call("directory", "approve_contribution", contribution_id, key)


@router.post("/contributions/{contribution_id}/reject", response_model=ContributionOut)
def reject_contribution(
    contribution_id: str, body: RejectContributionIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Refuse it, with the reason emailed to the contributor."""
    payload = body.model_dump(mode="json")
    return services.call("directory", "reject_contribution", contribution_id, payload, key)


@router.get("/me/contributions", response_model=list[ContributionOut])
def my_contributions(services: ServicesDep) -> list[dict]:
    """My proposals and what became of them, latest first."""
    return services.call("directory", "my_contributions")


@router.get("/places/{place_id}/history", response_model=list[HistoryEntry])
def place_history(place_id: str, services: ServicesDep) -> list[dict]:
    """Who changed what and when (coordinators and the place's managers)."""
    return services.call("directory", "record_history", "place", place_id)


@router.get("/actors/{actor_id}/history", response_model=list[HistoryEntry])
def actor_history(actor_id: str, services: ServicesDep) -> list[dict]:
    """Who changed what and when (coordinators and the actor's owner)."""
    return services.call("directory", "record_history", "actor", actor_id)
