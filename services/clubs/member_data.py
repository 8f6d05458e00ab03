"""A member's erasure (GDPR art. 17, the gateway's ``member_erased``): clubs forgets who they
were. Their memberships are anonymised (the member id becomes a random token, the name goes,
the standing becomes ``left``: the counts drop, no event names them); a club they presided
over goes back to its host place, which acts as president again; their announcements lose
their author. Idempotent: a second delivery finds nothing left to change."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from .models import LEFT, MEMBER, Announcement, Club, Membership


def erase_member(
    event: dict[str, Any], forget_failures: Callable[[dict[str, Any]], int] | None = None
) -> int:
    """Returns how many memberships were anonymised now."""
    data = event["data"]
    member_id = data["member_id"]
    if forget_failures is not None:
        forget_failures(data)
    for club in Club.objects(president_id=member_id).only("id"):
        Club.objects(id=club.id, president_id=member_id).update_one(
            unset__president_id=True, unset__president_name=True
        )
    changed = 0
    for found in Membership.objects(member_id=member_id).exclude("outbox"):
        was_member = found.status == MEMBER
        moved = Membership.objects(id=found.id, member_id=member_id).update_one(
            set__member_id=f"erased:{uuid.uuid4().hex}",
            set__status=LEFT,
            set__role="member",
            unset__name=True,
            unset__keys=True,
        )
        if moved and was_member:
            Club.objects(id=found.club_id).update_one(inc__members_count=-1)
        changed += moved
    Announcement.objects(author_id=member_id).update(unset__author_id=True)
    Club.objects(created_by=member_id).update(unset__created_by=True)
    Club.objects(status_changed_by=member_id).update(unset__status_changed_by=True)
    return changed
