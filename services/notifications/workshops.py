"""Workshops' and events' emails (clubs' ``rsvp_*`` and ``workshop_*`` events), to members
found in the contact projection (address, name, language): a member not (or no longer) in
the contacts gets nothing.

- ``rsvp_confirmed`` / ``rsvp_promoted``: a seat, with the ``.ics`` invitation (REQUEST);
- ``rsvp_waitlisted``: in line, with the position; no invitation;
- ``workshop_confirmed``: the minimum was reached, it takes place (to the participants);
- ``workshop_cancelled``: to participants (with the ``.ics`` CANCEL) and those waiting,
  worded after its ``reason``: cancelled by the organiser, or too few participants;
- ``workshop_updated`` with new times: ``workshop_moved`` to the participants, with the
  invitation at the workshop's new ``sequence`` (their calendar moves it). An organiser
  trying times sends a burst of moves: each person gets one email, the latest, once the
  edits have settled (``coalesce.py``, ``email_edit_window_seconds``).
A participant's own cancellation (``rsvp_cancelled``) is answered on the page: no email.

Topics: the answer to one's own RSVP (``rsvp_confirmed``, ``rsvp_waitlisted``) was just asked
for (transactional); the rest is news of the clubs' workshops (``clubs``).
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from services.common.calendar import workshop_uid
from services.common.settings import Settings

from . import coalesce, compose
from .ics import gathering_invitation
from .models import Contact
from .preferences import TRANSACTIONAL
from .rules import event_time_us

RSVP_KINDS = ("rsvp_confirmed", "rsvp_waitlisted", "rsvp_promoted")
WORKSHOP_KINDS = ("workshop_confirmed", "workshop_cancelled")
MOVED = "workshop_moved"  # the email of a ``workshop_updated`` with new times
KINDS = (*RSVP_KINDS, *WORKSHOP_KINDS, MOVED)
ASKED_FOR = ("rsvp_confirmed", "rsvp_waitlisted")
TOPIC = "clubs"
TIMES = {"start", "end"}
EVENTS_PATH = "/evenements"


def workshop_invitation(
    data: dict, contact: Contact, organizer_email: str, method: str = "REQUEST"
) -> bytes:
    """The ``.ics`` of a workshop for one participant, with the UID the agenda feed gives it."""
    uid = workshop_uid(data["workshop_id"])
    attendee = (contact.email, contact.name or contact.email)
    return gathering_invitation(uid, data, attendee, organizer_email, method)


def message(
    kind: str, data: dict, contact: Contact, *, settings: Settings, secret: bytes
) -> EmailMessage:
    public_url = settings.public_url.rstrip("/")
    organizer = parseaddr(settings.mail_from)[1]
    attachments = []
    if kind in ("rsvp_confirmed", "rsvp_promoted", MOVED):
        ics = workshop_invitation(data, contact, organizer)
        attachments.append(("invitation.ics", compose.ICS_MIMETYPE, ics))
    elif kind == "workshop_cancelled" and contact.member_id in data.get("participants", []):
        ics = workshop_invitation(data, contact, organizer, "CANCEL")
        attachments.append(("cancel.ics", compose.ICS_CANCEL_MIMETYPE, ics))
    context = {
        "position": None,
        "reason": None,
        "place_name": None,
        **data,
        "event_url": f"{public_url}{EVENTS_PATH}/{data['workshop_id']}",
        "participant": contact.member_id in data.get("participants", []),
    }
    return compose.to_member(kind, contact, settings, secret, TOPIC, context, attachments)


def recipients(kind: str, data: dict) -> list[str]:
    if kind in RSVP_KINDS:
        return [data["member_id"]]
    if kind in ("workshop_confirmed", MOVED):
        return list(data.get("participants", []))
    if kind == "workshop_cancelled":
        return [*data.get("participants", []), *data.get("waitlisted", [])]
    raise KeyError(f"not a workshop email: {kind}")


def email_kind(event: dict[str, Any]) -> str | None:
    """The email an event calls for; None for a change that tells nobody (a title, seats)."""
    if event["type"] == "workshop_updated":
        return MOVED if TIMES & set(event["data"].get("changed", [])) else None
    return event["type"]


def notify(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """Record the emails of one workshop event (one per member told, keyed by member id: a
    redelivery records none); the number recorded now (a move: still the one to go)."""
    kind = email_kind(event)
    if kind is None:
        return 0
    data = event["data"]
    topic = TRANSACTIONAL if kind in ASKED_FOR else TOPIC
    recorded = 0
    for contact in Contact.objects(member_id__in=recipients(kind, data)).order_by("member_id"):
        mail = message(kind, data, contact, settings=settings, secret=secret)
        if kind == MOVED:
            recorded += coalesce.record(
                record,
                event,
                kind,
                mail,
                f"workshop:{data['workshop_id']}",
                time_us=event_time_us(event.get("occurred_at")),
                topic=topic,
                window=timedelta(seconds=settings.email_edit_window_seconds),
            )
        else:
            recorded += record(event["event_id"], kind, mail, key_to=contact.member_id, topic=topic)
    return recorded
