"""Resident seats: subscriptions to a desk pool for whole calendar months.

Each month of a pool has one document (``ResidentMonth``, ``_id = "<rid>:sub:<YYYY-MM>"``);
taking a resident seat is ONE conditional ``$inc`` on it, matching only while the month has
room and the subscription does not hold it yet — a month costs one write, a quarter three.
All months or none: on the first full month, what this call took is given back in reverse.
Idempotent by key (``insert_once``) and by the ``holds`` condition.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from contracts.booking import (
    AttemptExpired,
    NoResidentSeatLeft,
    SubscriptionIn,
    SubscriptionNotCancellable,
)
from contracts.identity import Caller
from services.common.idempotency import insert_once
from services.common.identity import is_territory_staff, require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import access, queries
from .models import ResidentMonth, Resource, Subscription
from .rules import residents
from .rules.states import ABANDONED_AFTER

# How many held subscriptions one sweep reads.
SWEEP_BATCH = 500


def _months() -> Collection:
    return ResidentMonth._get_collection()


def month_id(resource_id: str, month: str) -> str:
    return f"{resource_id}:sub:{month}"


def hold_month(resource_id: str, month: str, subscription_id: str, resident_seats: int) -> bool:
    """Take one resident seat of ``month``; True when held (now or by an earlier try)."""
    if resident_seats < 1:
        return False  # the upsert would create the month whatever its filter says
    key = month_id(resource_id, month)
    room = {
        "_id": key,
        "count": {"$not": {"$gt": resident_seats - 1}},
        "holds": {"$ne": subscription_id},
    }
    take = {"$inc": {"count": 1}, "$push": {"holds": subscription_id}}
    try:
        _months().update_one(
            room,
            {**take, "$setOnInsert": {"resource_id": resource_id, "month": month}},
            upsert=True,
        )
        return True
    except DuplicateKeyError:
        pass  # the month exists and did not match: full, already ours, or created just now
    if _months().update_one(room, take).modified_count == 1:
        return True
    return _months().find_one({"_id": key, "holds": subscription_id}, {"_id": 1}) is not None


def release_month(resource_id: str, month: str, subscription_id: str) -> None:
    _months().update_one(
        {"_id": month_id(resource_id, month), "holds": subscription_id},  # once per subscription
        {"$inc": {"count": -1}, "$pull": {"holds": subscription_id}},
    )


def hold_months(
    resource_id: str, months: list[str], subscription_id: str, resident_seats: int
) -> str | None:
    """Hold every month or none; the first full month when refused, else None."""
    held: list[str] = []
    for month in months:
        if not hold_month(resource_id, month, subscription_id, resident_seats):
            for taken in reversed(held):
                release_month(resource_id, taken, subscription_id)
            return month
        held.append(month)
    return None


def first_month_above(resource_id: str, since: str, limit: int) -> tuple[str, int] | None:
    """The first month from ``since`` with more than ``limit`` subscriptions, and how many."""
    found = [
        (doc["month"], doc["count"])
        for doc in _months().find({"resource_id": resource_id}, {"month": 1, "count": 1})
        if doc["month"] >= since and doc["count"] > limit
    ]
    return min(found) if found else None


def _move(subscription: Subscription, target: str, **updates) -> bool:
    """held → active | rejected, active → cancelled: a conditional update on the status, so
    that of two writers only one wins."""
    assert target in residents.TRANSITIONS.get(subscription.status, ()), (
        subscription.status,
        target,
    )
    return (
        Subscription.objects(id=subscription.id, status=subscription.status).update_one(
            set__status=target, **updates
        )
        == 1
    )


def _event_data(subscription: Subscription) -> dict:
    return {
        "subscription_id": str(subscription.id),
        "resource_id": subscription.resource_id,
        "place_id": subscription.place_id,
        "start": subscription.start,
        "months": subscription.months,
        "name": subscription.name,
        "email": subscription.email,
        "language": subscription.language,
    }


def _refused(resource: Resource, month: str) -> NoResidentSeatLeft:
    return NoResidentSeatLeft(
        f"every resident seat is taken in {month}",
        month=month,
        resident_seats=resource.resident_seats,
    )


def create_subscription(
    resource_id: str, payload: dict, key: str, events: EventStager, who: Caller
) -> dict:
    """A resident seat for someone, by a manager of the pool's place or territory staff."""
    resource = queries.find_resource(resource_id)
    allowed = who.manages_place(resource.place_id) or is_territory_staff(who)
    require(allowed, who, "subscribe someone", "place", resource.place_id)
    data = parse(SubscriptionIn, payload)
    digest = fingerprint({"resource_id": resource_id, **data.model_dump(mode="json")})

    def build() -> Subscription:
        return Subscription(
            resource_id=resource_id,
            place_id=resource.place_id,
            name=data.name,
            email=data.email,
            phone=data.phone,
            email_key=access.email_key(data.email),
            start=data.start,
            months=data.months,
            language=data.language,
            status=residents.HELD,
            idempotency_key=key,
            fingerprint=digest,
        )

    subscription = insert_once(Subscription, key, digest, build, "subscription")
    months = residents.months(subscription.start, subscription.months)
    if subscription.status == residents.REJECTED:
        full = first_month_above(resource_id, months[0], (resource.resident_seats or 0) - 1)
        raise _refused(resource, full[0] if full else months[0])
    if subscription.status != residents.HELD:  # settled by an earlier try with this key
        return subscription.to_dict()
    sid = str(subscription.id)
    full = hold_months(resource_id, months, sid, resource.resident_seats or 0)
    if full is not None:
        _move(subscription, residents.REJECTED)
        raise _refused(resource, full)
    event = events.event("subscription_started", _event_data(subscription))
    if not _move(subscription, residents.ACTIVE, **Subscription.staging(event)):
        current = Subscription.objects(id=subscription.id).first()
        if current.status == residents.ACTIVE:  # a concurrent retry with this key won
            return current.to_dict()
        # Swept as abandoned while we worked: give the months back.
        for month in months:
            release_month(resource_id, month, sid)
        raise AttemptExpired("this subscription attempt expired; please try again")
    events.flush()
    subscription.status = residents.ACTIVE
    return subscription.to_dict()


def cancel_subscription(
    subscription_id: str, key: str, events: EventStager, who: Caller, now: datetime | None = None
) -> dict:
    """End a subscription: the months not begun are given back (the month under way is
    kept). Managers of the place and territory staff. Idempotent: cancelling again answers
    the same and gives back again what a crash may have kept."""
    subscription = get_or_404(Subscription, subscription_id, "subscription")
    allowed = who.manages_place(subscription.place_id) or is_territory_staff(who)
    require(allowed, who, "cancel this subscription", "subscription", subscription_id)
    if subscription.status != residents.CANCELLED:
        if subscription.status != residents.ACTIVE:
            raise SubscriptionNotCancellable(
                f"a {subscription.status} subscription cannot be cancelled",
                status=subscription.status,
            )
        released = residents.first_free_month(
            subscription.start, subscription.months, now or datetime.now(UTC)
        )
        subscription.released_from = released
        event = events.event(
            "subscription_cancelled", {**_event_data(subscription), "released_from": released}
        )
        if not _move(
            subscription,
            residents.CANCELLED,
            set__released_from=released,
            set__cancel_key=key,
            **Subscription.staging(event),
        ):
            subscription = Subscription.objects(id=subscription.id).first()  # a retry won
        events.flush()
        subscription.status = residents.CANCELLED
    for month in residents.months(subscription.start, subscription.months):
        if month >= subscription.released_from:
            release_month(subscription.resource_id, month, str(subscription.id))
    return subscription.to_dict()


def release_abandoned(now: datetime) -> int:
    """Reject the subscriptions held longer than ``ABANDONED_AFTER`` (their worker died
    mid-way and no retry with their key came) and give their months back; returns how many.
    One indexed equality on ``status``: held subscriptions are few."""
    released = 0
    for subscription in Subscription.objects(status=residents.HELD).limit(SWEEP_BATCH):
        created = subscription.created_at
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        if created > now - ABANDONED_AFTER:
            continue
        if _move(subscription, residents.REJECTED):
            for month in residents.months(subscription.start, subscription.months):
                release_month(subscription.resource_id, month, str(subscription.id))
            released += 1
    return released
