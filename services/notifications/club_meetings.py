"""What a club's managers are told: a meeting whose room booking refused (clubs'
``meeting_room_refused``), with the reason and the way to the club's meetings; a join
request to answer (``club_join_requested``), with the way to the club's requests. Told to
the club's president, or, while the host place acts as president (``president_id`` None),
to the place's managers (``managers.py``'s projection), each in their own language. Only
members whose address notifications knows (``Contact``) are written to; one email per
(event, recipient); of the ``clubs`` kind for their preferences."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from services.common.settings import Settings

from . import compose
from .models import Contact, PlaceManagers
from .rules import token_for

KIND = "meeting_room_refused"
JOIN_KIND = "club_join_requested"
# Where each email leads, under the public address (the club's id filled in).
LINKS = {KIND: "/clubs/{club_id}/reunions/gerer", JOIN_KIND: "/clubs/{club_id}/gestion"}

# A club's emails: its members stop them with the "clubs" kind of their preferences.
TOPIC = "clubs"


def recipients(data: dict[str, Any]) -> list[Contact]:
    if data.get("president_id"):
        ids = [data["president_id"]]
    else:
        place = PlaceManagers.objects(place_id=data.get("place_id")).first()
        ids = list(place.manager_ids) if place else []
    return list(Contact.objects(member_id__in=ids).order_by("member_id")) if ids else []


def notify_room_refused(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """Record the email to each recipient; the number recorded now."""
    return notify_managers(KIND, settings, event, record, secret)


def notify_join_requested(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """A member asks to join a club that approves its members: its managers are told."""
    return notify_managers(JOIN_KIND, settings, event, record, secret)


def notify_managers(
    kind: str, settings: Settings, event: dict[str, Any], record, secret: bytes
) -> int:
    recorded = 0
    for contact in recipients(event["data"]):
        message = message_for(
            event["data"],
            kind=kind,
            name=contact.name,
            email=contact.email,
            language=contact.language,
            mail_from=settings.mail_from,
            public_url=settings.public_url,
            unsubscribe_token=token_for(secret, contact.email),
        )
        recorded += record(event["event_id"], kind, message, key_to=contact.member_id, topic=TOPIC)
    return recorded


def message_for(
    data: dict[str, Any],
    *,
    name: str,
    email: str,
    language: str,
    mail_from: str,
    public_url: str,
    unsubscribe_token: str = "",
    kind: str = KIND,
) -> EmailMessage:
    public_url = public_url.rstrip("/")
    name = " ".join(str(name).split())
    return compose.build_message(
        kind=kind,
        language=language,
        to=compose.recipient(name, email),
        mail_from=mail_from,
        context={
            **data,
            "name": name,
            "public_url": public_url,
            "club_url": public_url + LINKS[kind].format(club_id=quote(data["club_id"], safe="")),
        },
        unsubscribe_url=compose._unsubscribe_url(public_url, email, unsubscribe_token, topic=TOPIC),
        message_id_domain=compose._domain_of(mail_from),
    )
