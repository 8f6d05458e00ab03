"""Every place and actor keeps its history: who changed what, and when (issue 9). Commands
call ``record`` after their write; the change's ``_id`` comes from the write's idempotency
key, so a retried write is recorded once."""

from __future__ import annotations

from typing import Any

from contracts.identity import Caller
from services.common.clock import utc_now

from .models import RecordChange


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs: field → [before, after] (a new field's before is None)."""
    fields = sorted(set(before) | set(after))
    return {f: [before.get(f), after.get(f)] for f in fields if before.get(f) != after.get(f)}


def record(
    record_type: str,
    record_id: str,
    key: str,
    who: Caller,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    contribution_id: str | None = None,
) -> None:
    """Keep one change (idempotent by ``key``); a write that changed nothing keeps nothing."""
    changes = diff(before, after)
    if not changes:
        return
    RecordChange.objects(id=f"{record_type}:{record_id}:{key}").update_one(
        upsert=True,
        set_on_insert__record_type=record_type,
        set_on_insert__record_id=record_id,
        set_on_insert__action=action,
        set_on_insert__by=who.member_id,
        set_on_insert__changes=changes,
        set_on_insert__contribution_id=contribution_id,
        set_on_insert__at=utc_now(),  # an upsert applies no default: stored, not made on read
    )


def history_of(record_type: str, record_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """The record's changes, latest first."""
    found = RecordChange.objects(record_type=record_type, record_id=record_id).order_by("-at")
    return [
        {
            "action": c.action,
            "by": c.by,
            "at": c.at.isoformat(),
            "changes": c.changes,
            "contribution_id": c.contribution_id,
        }
        for c in found.limit(limit)
    ]


def tag(
    record_type: str,
    record_id: str,
    key: str,
    contribution_id: str | None = None,
    action: str | None = None,
) -> None:
    """Mark the change recorded under ``key`` (whoever recorded it: the owner's ``apply_*``
    or moderation and import) with the proposal it came from, or the act it was (``import``)."""
    marks = {"contribution_id": contribution_id, "action": action}
    fields = {f"set__{name}": value for name, value in marks.items() if value is not None}
    if fields:
        RecordChange.objects(id=f"{record_type}:{record_id}:{key}").update_one(**fields)


def forget_author(member_id: str) -> int:
    """An erased member no longer named as the author of changes (GDPR art. 17)."""
    return RecordChange.objects(by=member_id).update(unset__by=True)
