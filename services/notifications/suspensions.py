"""Suspended addresses: a permanent SMTP refusal (5xx) stops every email to the address,
transactional ones included, until the operator lifts it.

Set by the sender (``sender._refused``), read by ``commands.record`` (an email recorded for a
suspended address is logged ``suspended`` and never sent) and by the sender before each send
(an email recorded before the refusal does not go either). Listed and lifted by the operator
(a territory admin or the operator's token), each lift kept with its idempotency key.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from contracts.identity import Caller
from contracts.notifications import LiftSuspension
from services.common.idempotency import insert_once
from services.common.identity import require

from .models import Suspension, SuspensionLift
from .rules import normalise

MAX_LISTED = 500


def suspend(address: str, reason: str, delivery_id: str) -> None:
    """Suspend ``address`` (idempotent: the first refusal's reason and time stay)."""
    Suspension.objects(email=normalise(address)).update_one(
        upsert=True,
        set_on_insert__since=datetime.now(UTC),
        set_on_insert__reason=reason[:500],
        set_on_insert__delivery_id=delivery_id,
    )


def is_suspended(address: str) -> bool:
    return Suspension.objects(email=normalise(address)).only("email").first() is not None


def suspended() -> set[str]:
    """Every suspended address (few: a round of the sender reads them once)."""
    return {s.email for s in Suspension.objects.only("email")}


def _require_operator(who: Caller, action: str) -> None:
    require(who.admin, who, action, "suspensions")


def list_suspensions(who: Caller, limit: int = 100) -> list[dict[str, Any]]:
    """The suspended addresses, the latest first, with the server's answer."""
    _require_operator(who, "see suspended addresses")
    rows = Suspension.objects.order_by("-since").limit(min(max(limit, 1), MAX_LISTED))
    return [
        {
            "email": s.email,
            "since": s.since.isoformat() if s.since else None,
            "reason": s.reason,
            "delivery_id": s.delivery_id,
        }
        for s in rows
    ]


def lift(who: Caller, request: dict[str, Any]) -> dict[str, Any]:
    """Lift a suspension: emails to the address go again from now on (those logged
    ``suspended`` meanwhile are not sent). Once per idempotency key; lifting an address that
    is not suspended is not an error (``lifted`` False)."""
    _require_operator(who, "lift a suspension")
    body = LiftSuspension.model_validate(request)
    address = normalise(body.email)
    digest = hashlib.sha256(address.encode()).hexdigest()
    current = Suspension.objects(email=address).first()

    def build() -> SuspensionLift:
        now = datetime.now(UTC)  # to the millisecond, as the database keeps it
        return SuspensionLift(
            idempotency_key=body.idempotency_key,
            fingerprint=digest,
            email=address,
            lifted_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
            lifted_by=who.member_id or ("operator" if who.operator else None),
            was_suspended="suspended" if current else None,
        )

    done = insert_once(SuspensionLift, body.idempotency_key, digest, build, "suspension lift")
    if done.was_suspended is not None or current is not None:
        # Only a suspension older than this lift: a later refusal suspends it again.
        Suspension.objects(email=address, since__lte=done.lifted_at).delete()
    return {
        "email": address,
        "lifted": done.was_suspended is not None,
        "lifted_at": done.lifted_at.isoformat(),
    }
