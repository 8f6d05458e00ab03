"""Resident seats of a desk pool (booking service): a member on a subscription keeps a seat
for whole calendar months. Managers of the place and territory staff subscribe, list and
cancel; the member sees their own. The booking service decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.booking import SubscriptionIn, SubscriptionOut

from ..deps import IdempotencyKey, MemberDep, ServicesDep

router = APIRouter(tags=["subscriptions"])

NOT_FOUND = {404: {"description": "No such resource or subscription (`not_found`)"}}
STAFF_ONLY = {403: {"description": "Not a manager of its place nor territory staff (`forbidden`)"}}


@router.post(
    "/resources/{resource_id}/subscriptions",
    status_code=201,
    response_model=SubscriptionOut,
    responses={
        **NOT_FOUND,
        **STAFF_ONLY,
        409: {"description": "Every resident seat is taken in a month (`no_resident_seat_left`)"},
    },
)
def create_subscription(
    resource_id: str, subscription: SubscriptionIn, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """A resident seat for someone (``name``, ``email`` or ``phone``) for ``months``
    calendar months from ``start`` (YYYY-MM): every month or none."""
    body = subscription.model_dump(mode="json")
    return services.call("booking", "create_subscription", resource_id, body, key)


@router.get(
    "/resources/{resource_id}/subscriptions",
    response_model=list[SubscriptionOut],
    responses={**NOT_FOUND, **STAFF_ONLY},
)
def list_subscriptions(resource_id: str, services: ServicesDep) -> list[dict[str, Any]]:
    """A desk pool's subscriptions, active and cancelled, newest first."""
    return services.call("booking", "list_subscriptions", resource_id)


@router.post(
    "/subscriptions/{subscription_id}/cancel",
    response_model=SubscriptionOut,
    responses={**NOT_FOUND, **STAFF_ONLY},
)
def cancel_subscription(
    subscription_id: str, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """End a subscription: the months not begun are given back (the one under way is kept).
    Cancelling again answers the same."""
    return services.call("booking", "cancel_subscription", subscription_id, key)


@router.get(
    "/me/subscriptions",
    response_model=list[SubscriptionOut],
    responses={401: {"description": "Not signed in (no session, no API token)"}},
)
def my_subscriptions(identity: MemberDep, services: ServicesDep) -> list[dict[str, Any]]:
    """My subscriptions (those naming my address), newest first."""
    return services.call("booking", "my_subscriptions")
