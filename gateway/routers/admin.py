"""The territory admin's tools (a member with the admin role, or the operator's token): dead
letters of each service, listed and replayed (one, or in bulk), and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from contracts import SERVICE_NAMES

from .. import audit
from ..deps import AdminDep, AdminOnly, GatewayDb, ServicesDep, actor
from ..problems import ProblemException

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminOnly])


def known_service(service: str) -> str:
    if service not in SERVICE_NAMES:
        raise ProblemException(404, "unknown_service", service=service)
    return service


@router.get("/dead-letters/{service}")
def dead_letters(service: str, services: ServicesDep) -> list[dict[str, Any]]:
    return services.call(known_service(service), "dead_letters")


def _utc(value: datetime | None) -> datetime | None:
    """A time written without an offset is UTC."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


@router.post("/dead-letters/{service}/replay")
def replay_many(
    request: Request,
    service: str,
    services: ServicesDep,
    identity: AdminDep,
    event_type: Annotated[
        str | None,
        Query(alias="type", max_length=64, pattern=r"^[a-z][a-z0-9_]*$", description="Event type"),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Parked at or after (ISO 8601; UTC if no offset)")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Parked before (ISO 8601; UTC if no offset)")
    ] = None,
) -> dict[str, Any]:
    """Replay every dead letter of a service, of one event type and parked within a time
    range if given; answers how many were replayed."""
    known_service(service)
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since >= until:
        raise ProblemException(
            422,
            "validation_failed",
            errors=[{"field": "query.until", "message": "must be after since"}],
        )
    window = [since.isoformat() if since else None, until.isoformat() if until else None]
    count = services.call(service, "replay_dead_letters", event_type, *window)
    audit.record(
        request.app.state.db,
        actor(identity),
        "dead_letters_replayed",
        service=service,
        type=event_type,
        since=window[0],
        until=window[1],
        count=count,
    )
    return {"replayed": count}


@router.post("/dead-letters/{service}/{dead_letter_id}/replay")
def replay(
    request: Request,
    service: str,
    dead_letter_id: str,
    services: ServicesDep,
    identity: AdminDep,
) -> dict[str, Any]:
    if not services.call(known_service(service), "replay_dead_letter", dead_letter_id):
        raise ProblemException(404, "unknown_dead_letter", id=dead_letter_id)
    audit.record(
        request.app.state.db,
        actor(identity),
        "dead_letter_replayed",
        service=service,
        id=dead_letter_id,
    )
    return {"replayed": dead_letter_id}


@router.get("/audit")
def audit_log(
    db: GatewayDb, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The latest administrative acts, newest first."""
    return audit.latest(db, limit)
