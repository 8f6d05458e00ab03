"""Club emails (issue 10): an announcement (clubs' ``announcement_posted``) to each member of
the club, in their language, with a link to stop club emails.

Clubs sends member ids, never addresses: each one's address, name and language come from the
contact projection (``Contact``, the gateway's ``member_*`` events). A member not (or no
longer) in the contacts gets nothing. Every delivery is of kind ``clubs`` (its key: the
event, the kind and the member's id, so a redelivered event records nothing again): per-kind
preferences can stop them as one.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from services.common.settings import Settings

from . import compose
from .models import Contact
from .rules import token_for

KIND = "clubs"  # the delivery's kind: every club email
TOPIC = "clubs"  # and the kind of email its members stop (their preferences)
TEMPLATE = "club_announcement"


def club_url(public_url: str, club_id: str) -> str:
    return f"{public_url.rstrip('/')}/clubs/{quote(club_id, safe='')}"


def stop_url(public_url: str, email: str, token: str) -> str:
    """The unsubscribe link, naming the kind of email it is about (``kind=clubs``)."""
    return compose._unsubscribe_url(public_url, email, token, topic=TOPIC)


def announcement_message(
    data: dict[str, Any], contact: Contact, *, mail_from: str, public_url: str, token: str
) -> EmailMessage:
    public_url = public_url.rstrip("/")
    name = " ".join(str(contact.name).split())
    return compose.build_message(
        kind=TEMPLATE,
        language=contact.language,
        to=compose.recipient(name, contact.email),
        mail_from=mail_from,
        context={
            "member_name": name,
            "club_name": data["club_name"],
            "subject": data["subject"],
            "body": data["body"],
            "club_url": club_url(public_url, data["club_id"]),
        },
        unsubscribe_url=stop_url(public_url, contact.email, token),
        message_id_domain=compose._domain_of(mail_from),
    )


def notify_announcement(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """One email per member named by the announcement whose address is known; the number
    recorded now."""
    data = event["data"]
    ids = sorted(set(data["member_ids"]))
    if not ids:
        return 0
    recorded = 0
    for contact in Contact.objects(member_id__in=ids).order_by("member_id"):
        message = announcement_message(
            data,
            contact,
            mail_from=settings.mail_from,
            public_url=settings.public_url,
            token=token_for(secret, contact.email),
        )
        recorded += record(event["event_id"], KIND, message, key_to=contact.member_id, topic=TOPIC)
    return recorded
