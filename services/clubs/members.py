"""What clubs writes about its members: join (at once, or a request), leave or be removed,
a request approved or refused, a member made co-organiser.

One membership document per member per club (unique index): it moves between ``member``,
``requested``, ``refused`` and ``left`` by conditional updates on its current status, each
staging its event in the same write. Of two writers racing on one membership, one wins and
the other finds the state reached: one event, one count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mongoengine.errors import NotUniqueError

from contracts.clubs import (
    AnswerIn,
    MemberRole,
    NoJoinRequest,
    NotAMember,
    PresidentMustHandOver,
    RoleIn,
)
from contracts.errors import ValidationFailed
from contracts.identity import Caller
from services.common.identity import require, require_signed_in
from services.common.outbox import EventStager
from services.common.validation import parse

from . import membership
from .models import LEFT, MEMBER, REFUSED, REQUESTED, Club, Membership
from .rules import access


def standing(club: Club, found: Membership | None, member_id: str) -> dict:
    """A member's standing in a club (``MembershipOut``)."""
    if found is None:
        return {"club_id": str(club.id), "member_id": member_id, "status": "none", "role": None}
    role = access.role_of(club.president_id, member_id, found.role)
    return {
        "club_id": str(club.id),
        "member_id": member_id,
        "status": found.status,
        "role": role if found.status == MEMBER else None,
    }


def _count(club: Club, delta: int) -> None:
    Club.objects(id=club.id).update_one(inc__members_count=delta)


def join(club_id: str, key: str, events: EventStager, who: Caller) -> dict:
    """Join a club, signed in: at once when it is open, as a join request when it asks for
    approval. Joining again (or twice at once) answers the standing reached."""
    require_signed_in(who, "join a club")
    club = membership.club_or_404(club_id)
    member_id = who.member_id
    if member_id is None:  # the operator has no membership of their own
        require(False, who, "join a club", "club", club_id)
    target = MEMBER if club.join_policy != "approval" else REQUESTED
    now = datetime.now(UTC)
    if target == MEMBER:
        event = events.event(
            "club_member_joined",
            {
                "club_id": club_id,
                "place_id": club.place_id,
                "member_id": member_id,
                "approved_by": None,
            },
        )
    else:
        event = events.event(
            "club_join_requested",
            {
                "club_id": club_id,
                "place_id": club.place_id,
                "club_name": club.name,
                "member_id": member_id,
                "member_name": who.name,
                "president_id": club.president_id,  # None: the place's managers are told
            },
        )
    dated = {"joined_at": now} if target == MEMBER else {"requested_at": now}
    fresh = Membership(
        club_id=club_id,
        member_id=member_id,
        name=who.name,
        status=target,
        role="member",
        changed_at=now,
        keys=[key],
        **dated,
    )
    fresh.stage(event)
    try:
        fresh.save(force_insert=True)
        moved = True
    except NotUniqueError:
        found = membership.membership(club, member_id)
        if found is None or key in (found.keys or []) or found.status in (MEMBER, REQUESTED):
            return standing(club, found, member_id)
        # Back after leaving, or asking again after a refusal: only from the status read.
        moved = bool(
            Membership.objects(id=found.id, status=found.status).update_one(
                set__status=target,
                set__role="member",
                set__name=who.name,
                set__changed_at=now,
                push__keys=key,
                **{f"set__{k}": v for k, v in dated.items()},
                **Membership.staging(event),
            )
        )
    if moved and target == MEMBER:
        _count(club, 1)
    events.flush(Membership)
    return standing(club, membership.membership(club, member_id), member_id)


def leave(club_id: str, member_id: str, key: str, events: EventStager, who: Caller) -> dict:
    """A member leaves (or withdraws their request); the club's managers remove a member.
    The president hands the presidency over first. Leaving twice answers the same."""
    club = membership.club_or_404(club_id)
    own = who.member_id is not None and who.member_id == member_id
    require(own or membership.may_manage(club, who), who, "remove this member", "club", club_id)
    if club.president_id == member_id:
        raise PresidentMustHandOver(
            "the president hands the presidency over before leaving", member_id=member_id
        )
    found = membership.membership(club, member_id)
    if found is None or found.status in (REFUSED,):
        raise NotAMember("not a member of this club", member_id=member_id)
    if found.status == LEFT:
        return standing(club, found, member_id)
    now = datetime.now(UTC)
    if found.status == REQUESTED:  # a request withdrawn: nothing to tell
        Membership.objects(id=found.id, status=REQUESTED).update_one(
            set__status=LEFT, set__changed_at=now
        )
    else:
        event = events.event(
            "club_member_left",
            {
                "club_id": club_id,
                "place_id": club.place_id,
                "member_id": member_id,
                "removed_by": None if own else who.member_id,
                "club_name": club.name,
            },
        )
        moved = Membership.objects(id=found.id, status=MEMBER).update_one(
            set__status=LEFT, set__role="member", set__changed_at=now, **Membership.staging(event)
        )
        if moved:
            _count(club, -1)
            events.flush(Membership)
    return standing(club, membership.membership(club, member_id), member_id)


def answer_request(
    club_id: str, member_id: str, payload: dict, key: str, events: EventStager, who: Caller
) -> dict:
    """A join request approved (the member joins) or refused, by the club's managers. Two
    answers at once: the first is taken, the second finds the request answered."""
    club = membership.club_or_404(club_id)
    membership.require_manager(club, who, "answer this club's join requests")
    approve = parse(AnswerIn, payload).approve
    target = MEMBER if approve else REFUSED
    now = datetime.now(UTC)
    updates = {"set__status": target, "set__answered_by": who.member_id, "set__changed_at": now}
    # The member waits for the answer: told either way (notifications), in the same write.
    answered = {
        "club_id": club_id,
        "place_id": club.place_id,
        "club_name": club.name,
        "member_id": member_id,
        "approved": approve,
        "answered_by": who.member_id,
    }
    staged = [events.event("club_join_answered", answered)]
    if approve:
        joined = {k: answered[k] for k in ("club_id", "place_id", "member_id")}
        staged.insert(
            0, events.event("club_member_joined", {**joined, "approved_by": who.member_id})
        )
        updates["set__joined_at"] = now
    updates.update(push_all__outbox=staged, set__outbox_pending=True)
    moved = Membership.objects(club_id=club_id, member_id=member_id, status=REQUESTED).update_one(
        **updates
    )
    found = membership.membership(club, member_id)
    if not moved:
        if found is not None and found.status == target:
            return standing(club, found, member_id)  # answered already (a retry, a race)
        raise NoJoinRequest("no pending join request from this member", member_id=member_id)
    if approve:
        _count(club, 1)
    events.flush(Membership)
    return standing(club, found, member_id)


def set_role(
    club_id: str, member_id: str, payload: dict, key: str, events: EventStager, who: Caller
) -> dict:
    """A member made co-organiser, or back to member: the president, the acting place's
    managers or territory staff. The presidency itself moves only by handing it over."""
    club = membership.club_or_404(club_id)
    allowed = access.manages_without_membership(club.president_id, club.place_id, who)
    require(allowed, who, "change roles in this club", "club", club_id)
    role = parse(RoleIn, payload).role
    if role == MemberRole.president or club.president_id == member_id:
        raise ValidationFailed("hand the presidency over instead", field="role")
    moved = Membership.objects(club_id=club_id, member_id=member_id, status=MEMBER).update_one(
        set__role=role.value
    )
    found = membership.membership(club, member_id)
    if not moved and (found is None or found.status != MEMBER):
        raise NotAMember("not a member of this club", member_id=member_id)
    return standing(club, found, member_id)
