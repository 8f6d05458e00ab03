"""Reads of contributions: the coordinator's queue, my proposals, one proposal, a record's
history."""

from __future__ import annotations

from contracts.directory import ContributionStatus, ContributionType
from contracts.errors import NotFound
from contracts.identity import Caller
from services.common.identity import require, require_signed_in
from services.common.lookup import get_or_404

from .. import history
from ..models import Contribution
from ..rules import moderation
from .records import stored_record


def queue(status: str | None, who: Caller, limit: int = 200) -> list[dict]:
    """The coordinator's queue: proposals of ``status`` (pending by default), oldest first."""
    require(moderation.may_moderate(who), who, "see the proposals", "contribution")
    wanted = ContributionStatus(status or ContributionStatus.pending).value
    found = Contribution.objects(status=wanted).order_by("submitted_at").limit(limit)
    return [c.to_dict() for c in found]


def mine(who: Caller, limit: int = 200) -> list[dict]:
    """The caller's own proposals, latest first."""
    require_signed_in(who, "see your proposals")
    found = Contribution.objects(submitted_by=who.member_id).order_by("-submitted_at")
    return [c.to_dict() for c in found.limit(limit)]


def get(contribution_id: str, who: Caller) -> dict:
    """One proposal: to its author and to the moderators."""
    require_signed_in(who, "see a proposal")
    contribution = get_or_404(Contribution, contribution_id, "contribution")
    allowed = moderation.may_moderate(who) or contribution.submitted_by == who.member_id
    require(allowed, who, "see this proposal", "contribution", contribution_id)
    return contribution.to_dict()


def record_history(record_type: str, record_id: str, who: Caller) -> list[dict]:
    """A place's or an actor's changes (coordinators, the place's managers, the actor's
    owner)."""
    require_signed_in(who, "see a record's history")
    kind = ContributionType(record_type)
    stored = stored_record(kind, record_id)
    if stored is None:
        raise NotFound(f"no {kind} {record_id}", what=kind.value, id=record_id)
    allowed = moderation.may_see_history(kind, record_id, who, stored.get("owner_id"))
    require(allowed, who, f"see this {kind}'s history", kind.value, record_id)
    return history.history_of(kind, record_id)
