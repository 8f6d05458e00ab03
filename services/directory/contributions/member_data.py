"""What the directory holds about a member through their proposals: their export (GDPR art.
15/20) and their erasure (art. 17)."""

from __future__ import annotations

from typing import Any

from .. import history
from ..models import Contribution


def member_contributions(member_id: str | None) -> list[dict]:
    """What the directory holds about the member: their proposals (art. 15/20)."""
    if member_id is None:
        return []
    return [
        c.to_dict() for c in Contribution.objects(submitted_by=member_id).order_by("submitted_at")
    ]


def forget_member(member_id: str, email: str | None = None) -> int:
    """``member_erased`` (art. 17): their proposals keep what was proposed, not who proposed
    it (id, address and name removed, from the events still waiting for the relay too); the
    decisions they took and the history of their changes no longer name them. Idempotent;
    how many documents changed now."""
    theirs = {c.id: c for c in Contribution.objects(submitted_by=member_id)}
    if email:
        theirs.update({c.id: c for c in Contribution.objects(email=email)})
    changed = 0
    for contribution in theirs.values():
        changed += Contribution.objects(id=contribution.id).update_one(
            unset__submitted_by=True,
            unset__email=True,
            unset__contributor_name=True,
            set__outbox=[_scrub(event) for event in contribution.outbox],
        )
    changed += Contribution.objects(decided_by=member_id).update(unset__decided_by=True)
    return changed + history.forget_author(member_id)


def erase_member(event: dict[str, Any], forget_failures=None) -> int:
    """The ``member_erased`` handler's work: the inbox's failed events naming them, then
    ``forget_member``."""
    data = event["data"]
    if forget_failures is not None:
        forget_failures(data)
    return forget_member(data["member_id"], data.get("email"))


def _scrub(event: dict[str, Any]) -> dict[str, Any]:
    """A waiting event of an erased contributor's proposal, without them."""
    data = {**(event.get("data") or {}), "submitted_by": None}
    if "email" in data:
        data.update(email=None, contributor_name=None)
    return {**event, "data": data}
