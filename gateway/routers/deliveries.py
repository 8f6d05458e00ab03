"""The delivery of emails, for a territory admin (a member with the admin role, or the
operator's token): the delivery log per address and per event, the addresses suspended after a
permanent refusal of the SMTP server, and lifting a suspension (in the audit log). The
notifications service checks the caller again (``services/notifications/delivery_log.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from contracts.notifications import DELIVERY_STATUSES

from .. import audit
from ..deps import AdminDep, AdminOnly, IdempotencyKey, ServicesDep, actor

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminOnly])
SERVICE = "notifications"


@router.get("/deliveries")
def deliveries(
    services: ServicesDep,
    email: Annotated[
        str | None, Query(max_length=254, description="Emails to this address (any case)")
    ] = None,
    event_id: Annotated[
        str | None, Query(max_length=100, description="Emails of this event")
    ] = None,
    status: Annotated[
        str | None,
        Query(pattern="^(" + "|".join(DELIVERY_STATUSES) + ")$", description="Only this status"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """The delivery log, newest first: per address (its anonymised entries too), per event,
    per status, or the latest; never the messages themselves."""
    return services.call(
        SERVICE, "delivery_log", email=email, event_id=event_id, status=status, limit=limit
    )


@router.get("/suspensions")
def suspensions(
    services: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[dict[str, Any]]:
    """The addresses the SMTP server refused for good: nothing is sent to them."""
    return services.call(SERVICE, "suspensions", limit=limit)


class Lift(BaseModel):
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^\s@]+@[^\s@]+$")


def lift(request: Request, services: Any, identity: Any, email: str, key: str) -> dict:
    """Lift a suspension through notifications, with its audit line (the API and the page)."""
    answer = services.call(SERVICE, "lift_suspension", {"email": email, "idempotency_key": key})
    audit.record(
        request.app.state.db,
        actor(identity),
        "suspension_lifted",
        email=answer["email"],
        lifted=answer["lifted"],
    )
    return answer


@router.post("/suspensions/lift")
def lift_suspension(
    request: Request,
    body: Lift,
    services: ServicesDep,
    identity: AdminDep,
    key: IdempotencyKey,
) -> dict[str, Any]:
    """Emails to the address may go again (those not sent meanwhile stay unsent)."""
    return lift(request, services, identity, body.email, key)
