"""Contact requests ("mise en relation", directory service): a visitor writes to an actor or
a place through the platform; the recipient answers from the link in their email
(``/contact/reply/<token>``, a web page). The sender's address is not shown to the recipient
until they reply.

Limits: per sender address and per IP here (``ratelimit``, action ``contact``), per
recipient per day in the directory; the honeypot and spam checks in the directory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from contracts.directory import ContactRequestIn, ContactRequestOut, ContactStatsRow

from .. import ratelimit
from ..deps import GatewayDb, IdempotencyKey, ServicesDep, StaffDep

router = APIRouter(prefix="/contact-requests", tags=["contact requests"])


@router.post(
    "",
    status_code=202,
    response_model=ContactRequestOut,
    responses={
        404: {"description": "No such actor or place (`not_found`)"},
        422: {
            "description": "Looks like spam, or the recipient has no address "
            "(`contact_refused`, with its `reason`)"
        },
        429: {
            "description": "Too many requests from this address or IP "
            "(`too_many_requests`), or to this recipient today (`contact_limit_reached`)"
        },
    },
)
def request_contact(
    body: ContactRequestIn,
    request: Request,
    services: ServicesDep,
    key: IdempotencyKey,
    db: GatewayDb,
) -> Any:
    """Write to an actor (``target_type: actor``) or a place: your name, address and
    message. The recipient receives it by email and answers through the platform; your
    address is given to them only once they answer. ``website`` must stay empty (a field
    hidden from people: robots fill it)."""
    limited = ratelimit.hit(request, "contact", str(body.email))
    if limited is not None:
        return limited
    payload = body.model_dump(mode="json", exclude_none=True)
    return services.call("directory", "request_contact", payload, key)


@router.get("/stats", response_model=list[ContactStatsRow])
def contact_stats(
    services: ServicesDep,
    staff: StaffDep,
    months: Annotated[int, Query(ge=1, le=60)] = 12,
) -> list[dict[str, Any]]:
    """Requests and replies per actor or place per month, latest first: counts, never
    content. A coordinator or an admin."""
    return services.call("directory", "contact_stats", months)
