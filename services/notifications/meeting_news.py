"""What a club's members are told of its meetings: one moved (``meeting_moved``, with the
invitation at the meeting's new ``sequence``) or cancelled (``meeting_cancelled``, with the
``.ics`` CANCEL), each in their language, of the ``clubs`` kind.

The members are those the event names (``member_ids``: the club's members when the change
was made, the one who made it aside) whose address is known (``Contact``). A meeting changed
several times within minutes (moved, moved again, then cancelled) sends each member one
email, the last word: both kinds are edits of the same meeting (``coalesce.py``).
A new series sends nothing: its dates are on the club's page and in the weekly digest.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from services.common.calendar import meeting_uid
from services.common.settings import Settings

from . import coalesce, compose
from .clubs import club_url
from .ics import gathering_invitation
from .models import Contact
from .rules import event_time_us

KINDS = ("meeting_moved", "meeting_cancelled")
TOPIC = "clubs"


def message(
    kind: str, data: dict[str, Any], contact: Contact, *, settings: Settings, secret: bytes
) -> EmailMessage:
    name = " ".join(str(contact.name or "").split()) or contact.email
    method = "CANCEL" if kind == "meeting_cancelled" else "REQUEST"
    ics = gathering_invitation(
        meeting_uid(data["occurrence_id"]),
        data,
        (contact.email, name),
        parseaddr(settings.mail_from)[1],
        method,
    )
    mimetype = compose.ICS_CANCEL_MIMETYPE if method == "CANCEL" else compose.ICS_MIMETYPE
    context = {
        "previous_start": None,
        "previous_end": None,
        **data,
        "club_name": data.get("club_name") or "",
        "club_url": club_url(settings.public_url, data["club_id"]),
    }
    attached = [(f"{method.lower()}.ics", mimetype, ics)]
    return compose.to_member(kind, contact, settings, secret, TOPIC, context, attached)


def notify(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """Record each member's email as the latest edit of the meeting; the number recorded now
    and still the one to go."""
    kind, data = event["type"], event["data"]
    if kind not in KINDS:
        raise KeyError(f"not a meeting's news: {kind}")
    ids = sorted(set(data.get("member_ids", [])))
    if not ids:
        return 0
    window = timedelta(seconds=settings.email_edit_window_seconds)
    recorded = 0
    for contact in Contact.objects(member_id__in=ids).order_by("member_id"):
        recorded += coalesce.record(
            record,
            event,
            kind,
            message(kind, data, contact, settings=settings, secret=secret),
            f"meeting:{data['occurrence_id']}",
            time_us=event_time_us(event.get("occurred_at")),
            topic=TOPIC,
            window=window,
        )
    return recorded
