"""Workshops' and events' emails (clubs' ``rsvp_*`` and ``workshop_*`` events), to members
found in the contact projection (address, name, language): a member not (or no longer) in
the contacts gets nothing.

- ``rsvp_confirmed`` / ``rsvp_promoted``: a seat, with the ``.ics`` invitation (REQUEST);
- ``rsvp_waitlisted``: in line, with the position; no invitation;
- ``workshop_confirmed``: the minimum was reached, it takes place (to the participants);
- ``workshop_cancelled``: to participants (with the ``.ics`` CANCEL) and those waiting,
  worded after its ``reason``: cancelled by the organiser, or too few participants.
A participant's own cancellation (``rsvp_cancelled``) is answered on the page: no email.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from icalendar import Event, vCalAddress, vText

from services.common.calendar import workshop_uid
from services.common.settings import Settings

from . import compose
from .ics import _calendar, _param, parse_instant
from .models import Contact
from .rules import token_for

RSVP_KINDS = ("rsvp_confirmed", "rsvp_waitlisted", "rsvp_promoted")
WORKSHOP_KINDS = ("workshop_confirmed", "workshop_cancelled")
KINDS = (*RSVP_KINDS, *WORKSHOP_KINDS)
EVENTS_PATH = "/evenements"


def workshop_invitation(
    data: dict, contact: Contact, organizer_email: str, method: str = "REQUEST"
) -> bytes:
    """The ``.ics`` of a workshop for one participant: REQUEST (sequence 0) or CANCEL (1),
    with the UID the agenda feed gives it."""
    event = Event()
    event.add("uid", workshop_uid(data["workshop_id"]))
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", parse_instant(data["start"]).astimezone(UTC))
    event.add("dtend", parse_instant(data["end"]).astimezone(UTC))
    event.add("summary", data["title"])
    if data.get("place_name"):
        event.add("location", vText(data["place_name"]))
    event.add("status", "CONFIRMED" if method == "REQUEST" else "CANCELLED")
    event.add("sequence", 0 if method == "REQUEST" else 1)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = "Maillage"
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{contact.email}")
    attendee.params["cn"] = _param(contact.name or contact.email)
    attendee.params["partstat"] = "ACCEPTED"
    event.add("attendee", attendee)
    return _calendar(method, [event])


def message(
    kind: str, data: dict, contact: Contact, *, settings: Settings, secret: bytes
) -> EmailMessage:
    public_url = settings.public_url.rstrip("/")
    organizer = parseaddr(settings.mail_from)[1]
    attachments = []
    if kind in ("rsvp_confirmed", "rsvp_promoted"):
        ics = workshop_invitation(data, contact, organizer)
        attachments.append(("invitation.ics", compose.ICS_MIMETYPE, ics))
    elif kind == "workshop_cancelled" and contact.member_id in data.get("participants", []):
        ics = workshop_invitation(data, contact, organizer, "CANCEL")
        attachments.append(("cancel.ics", compose.ICS_CANCEL_MIMETYPE, ics))
    name = " ".join(str(contact.name or "").split()) or contact.email
    return compose.build_message(
        kind=kind,
        language=contact.language,
        to=compose.recipient(name, contact.email),
        mail_from=settings.mail_from,
        context={
            "position": None,
            "reason": None,
            "place_name": None,
            **data,
            "name": name,
            "event_url": f"{public_url}{EVENTS_PATH}/{data['workshop_id']}",
            "participant": contact.member_id in data.get("participants", []),
        },
        unsubscribe_url=compose._unsubscribe_url(
            public_url, contact.email, token_for(secret, contact.email)
        ),
        attachments=attachments,
        message_id_domain=compose._domain_of(settings.mail_from),
    )


def recipients(kind: str, data: dict) -> list[str]:
    if kind in RSVP_KINDS:
        return [data["member_id"]]
    if kind == "workshop_confirmed":
        return list(data.get("participants", []))
    if kind == "workshop_cancelled":
        return [*data.get("participants", []), *data.get("waitlisted", [])]
    raise KeyError(f"not a workshop email: {kind}")


def notify(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """Record the emails of one workshop event (one per member told, keyed by member id: a
    redelivery records none); the number recorded now."""
    kind = event["type"]
    data = event["data"]
    wanted = recipients(kind, data)
    recorded = 0
    for contact in Contact.objects(member_id__in=wanted).order_by("member_id"):
        mail = message(kind, data, contact, settings=settings, secret=secret)
        recorded += record(event["event_id"], kind, mail, key_to=contact.member_id)
    return recorded
