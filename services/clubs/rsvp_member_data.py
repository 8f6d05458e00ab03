"""A member's rights over their RSVPs (GDPR): the export (art. 15/20, with the clubs'
export) and the erasure (art. 17, the gateway's ``member_erased``): their RSVPs lose the
name, address and member id they were kept with; the counts (seats, attendance) stay."""

from __future__ import annotations

import hashlib
from typing import Any

from .workshop_models import Rsvp

ERASED = "erased"


def exported_rsvps(member_id: str | None) -> list[dict[str, Any]]:
    if not member_id:
        return []
    found = Rsvp.objects(member_id=member_id).exclude("outbox").order_by("created_at")
    return [rsvp.to_dict() for rsvp in found]


def erase_member(event: dict[str, Any]) -> int:
    """Anonymise the member's RSVPs (idempotent: a second delivery finds none); how many.
    The live key keeps a digest in place of the member id, so that it stays unique."""
    member_id = event["data"]["member_id"]
    digest = hashlib.sha256(f"erased-member:{member_id}".encode()).hexdigest()[:24]
    erased = 0
    for rsvp in Rsvp.objects(member_id=member_id).only("id", "active", "workshop_id"):
        active = f"{rsvp.workshop_id}:{ERASED}-{digest}" if rsvp.active else None
        updates = {
            "set__member_id": f"{ERASED}-{digest}",
            "unset__name": True,
            "unset__email": True,
        }
        updates.update({"set__active": active} if active else {})
        erased += Rsvp.objects(id=rsvp.id, member_id=member_id).update_one(**updates)
    return erased
