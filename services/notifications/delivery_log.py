"""The delivery log as the operator reads it: per address, per event, per status.

Every read is an indexed equality (``address``, ``event_id`` or ``status``), then Python: no
``$or``, no range mixed with another field. An address is looked up as it is and as its
keyed digest, so the entries retention anonymised (``retention.py``) are still found by
whoever knows the address, while the database no longer holds it.
"""

from __future__ import annotations

from typing import Any

from contracts.errors import ValidationFailed
from contracts.identity import Caller
from contracts.notifications import DELIVERY_STATUSES
from services.common.identity import require

from .models import Delivery
from .queries import MAX_LISTED, _row
from .retention import address_digest
from .rules import normalise


def delivery_log(
    who: Caller,
    email: str | None = None,
    event_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The operator's view of the log, newest first, without the messages themselves."""
    require(who.admin, who, "read the delivery log", "deliveries")
    if status is not None and status not in DELIVERY_STATUSES:
        raise ValidationFailed("unknown status", field="status", allowed=list(DELIVERY_STATUSES))
    limit = min(max(int(limit), 1), MAX_LISTED)
    if email:
        address = normalise(email)
        rows = Delivery.objects(address__in=[address, address_digest(address)])
    elif event_id:
        rows = Delivery.objects(event_id=event_id)
    elif status:
        rows = Delivery.objects(status=status)
    else:
        rows = Delivery.objects
    found = rows.exclude("raw").order_by("-created_at")
    if not (email and event_id) and not ((email or event_id) and status):
        found = found.limit(limit)
    kept = [
        d
        for d in found
        if (not event_id or d.event_id == event_id) and (not status or d.status == status)
    ]
    return [_row(d) for d in kept[:limit]]
