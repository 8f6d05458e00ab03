"""What clubs writes about a club itself: found it, change it, decide its autonomy, hand its
presidency over. Each write is one conditional update that stages its event (outbox) in the
same document write; a retry finds the state already reached and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from contracts.clubs import ClubIn, ClubPatch, HandOverIn, NotAMember, StatusIn
from contracts.errors import Conflict
from contracts.identity import Caller
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import membership
from .models import Club
from .rules import access


def create_club(payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    """A club of a place, founded by its managers or territory staff; the place acts as its
    president until a member is handed the presidency."""
    data = parse(ClubIn, payload)
    require(access.may_create(data.place_id, who), who, "found a club here", "place", data.place_id)
    request = data.model_dump(mode="json")
    digest = fingerprint({**request, "caller": who.member_id or "operator"})

    def build() -> Club:
        club = Club(
            id=ObjectId(),
            **request,
            created_by=who.member_id,
            idempotency_key=key,
            fingerprint=digest,
        )
        created = {
            **request,
            "club_id": str(club.id),
            "status": club.status,
            "created_by": who.member_id,
        }
        club.stage(events.event("club_created", created))
        return club

    club = insert_once(Club, key, digest, build, "club")
    events.flush(Club)
    return club.to_dict()


def update_club(club_id: str, payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    """Change a club's name, purpose, join policy or members list's visibility: its
    managers. Only the fields sent; nothing changed, nothing written and no event."""
    club = membership.club_or_404(club_id)
    membership.require_manager(club, who, "change this club")
    patch = parse(ClubPatch, payload).model_dump(mode="json", exclude_unset=True)
    before = club.to_dict()
    changed = access.changed_fields(before, patch)
    if not changed:
        return before
    after = {**before, **{k: patch[k] for k in changed}}
    event = events.event(
        "club_updated",
        {
            "club_id": club_id,
            "place_id": club.place_id,
            "changed": changed,
            **{k: after[k] for k in ("name", "purpose", "join_policy", "members_visible")},
        },
    )
    Club.objects(id=club.id).update_one(
        **{f"set__{k}": after[k] for k in changed}, **Club.staging(event)
    )
    events.flush(Club)
    return after


def set_status(club_id: str, payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    """incubating ↔ autonomous, with the date and who decided: a coordinator, an admin or a
    manager of the host place. A conditional update on the previous status: of two
    decisions at once one is taken, the other answers the status reached."""
    club = membership.club_or_404(club_id)
    allowed = membership.may_decide_status(club, who)
    require(allowed, who, "decide this club's status", "club", club_id)
    status = parse(StatusIn, payload).status.value
    previous = club.status or "incubating"
    if status == previous:
        return club.to_dict()
    now = datetime.now(UTC)
    event = events.event(
        "club_status_changed",
        {
            "club_id": club_id,
            "place_id": club.place_id,
            "status": status,
            "previous": previous,
            "decided_by": who.member_id,
            "decided_at": now.isoformat(),
        },
    )
    Club.objects(id=club.id, status=club.status).update_one(
        set__status=status,
        set__status_changed_at=now,
        set__status_changed_by=who.member_id,
        **Club.staging(event),
    )
    events.flush(Club)
    return membership.club_or_404(club_id).to_dict()


def hand_over(club_id: str, payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    """The presidency to a member of the club: the president, the host place's managers
    while it acts, or territory staff. The place stops acting. One president: the club's own
    field, changed only if it still holds the president this decision was made against."""
    club = membership.club_or_404(club_id)
    allowed = access.manages_without_membership(club.president_id, club.place_id, who)
    require(allowed, who, "hand this club's presidency over", "club", club_id)
    target = parse(HandOverIn, payload).member_id
    if club.president_id == target:
        return club.to_dict()
    found = membership.membership(club, target)
    if found is None or found.status != "member":
        raise NotAMember("the new president must be a member of the club", member_id=target)
    event = events.event(
        "club_president_changed",
        {
            "club_id": club_id,
            "place_id": club.place_id,
            "president_id": target,
            "previous_id": club.president_id,
            "changed_by": who.member_id,
            "club_name": club.name,
        },
    )
    taken = Club.objects(id=club.id, president_id=club.president_id).update_one(
        set__president_id=target, set__president_name=found.name, **Club.staging(event)
    )
    events.flush(Club)
    now = membership.club_or_404(club_id)
    if not taken and now.president_id != target:
        raise Conflict("the presidency changed meanwhile; look again", what="club", id=club_id)
    return now.to_dict()
