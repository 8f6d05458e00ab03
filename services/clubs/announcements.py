"""Announcements: the club's managers (the president, a co-organiser, the host place while it
acts) write to the members. The ``announcement_posted`` event names the members to write to;
notifications emails each one in their language (``services/notifications/clubs.py``)."""

from __future__ import annotations

from bson import ObjectId

from contracts.clubs import AnnouncementIn
from contracts.identity import Caller
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from . import membership
from .models import MEMBER, Announcement, Membership

PAGE = 50


def post(club_id: str, payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    """Post an announcement to the club's members (idempotent by key: one post, one event)."""
    club = membership.club_or_404(club_id)
    membership.require_manager(club, who, "write to this club's members")
    data = parse(AnnouncementIn, payload)
    digest = fingerprint(
        {"club_id": club_id, **data.model_dump(mode="json"), "caller": who.member_id}
    )

    def build() -> Announcement:
        members = Membership.objects(club_id=club_id, status=MEMBER).only("member_id")
        member_ids = sorted(m.member_id for m in members if m.member_id != who.member_id)
        announcement = Announcement(
            id=ObjectId(),
            club_id=club_id,
            author_id=who.member_id,
            subject=data.subject,
            body=data.body,
            recipients=len(member_ids),
            idempotency_key=key,
            fingerprint=digest,
        )
        posted = {
            "announcement_id": str(announcement.id),
            "club_id": club_id,
            "club_name": club.name,
            "place_id": club.place_id,
            "author_id": who.member_id,
            "subject": data.subject,
            "body": data.body,
            "member_ids": member_ids,
        }
        announcement.stage(events.event("announcement_posted", posted))
        return announcement

    announcement = insert_once(Announcement, key, digest, build, "announcement")
    events.flush(Announcement)
    return announcement.to_dict()


def list_announcements(club_id: str, who: Caller) -> list[dict]:
    """The latest announcements, for the club's members and managers."""
    club = membership.club_or_404(club_id)
    allowed = membership.may_manage(club, who) or membership.is_member(club, who.member_id)
    require(allowed, who, "read this club's announcements", "club", club_id)
    found = Announcement.objects(club_id=club_id).order_by("-posted_at").limit(PAGE)
    return [a.to_dict() for a in found]
