"""Contact requests ("mise en relation", directory's ``contact_requested`` and
``contact_replied``): the request to its recipient with a link to answer, then the answer to
the sender. Kept apart from the other emails so that a generic reply relay can take it over.

- The request goes to the actor's or place's address without the sender's address (no
  ``Reply-To``): the recipient answers through the link (``/contact/reply/<token>``).
- The answer goes to the sender, transactional (they asked for it), with ``Reply-To`` the
  recipient's address when the recipient chose to share it: from then on they write to each
  other directly (the reply page shows the recipient the sender's address).
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from services.common.settings import Settings

from . import compose
from .commands import link_secret, record
from .preferences import TRANSACTIONAL
from .rules import token_for

# Messages to an actor or a place: its people stop them with the "directory" kind.
TOPIC = "directory"


def reply_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/contact/reply/{quote(token, safe='')}"


def request_message(
    data: dict[str, Any], *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    language = compose.normalize_language(data.get("language"))
    return compose.build_message(
        kind="contact_requested",
        language=language,
        to=compose.recipient(data["recipient_name"], data["recipient_email"]),
        mail_from=mail_from,
        context={
            "recipient_name": data["recipient_name"],
            "sender_name": " ".join(str(data["sender_name"]).split()),
            "message": data["message"],
            "reply_url": reply_url(public_url, data["reply_token"]),
        },
        unsubscribe_url=compose._unsubscribe_url(
            public_url, data["recipient_email"], unsubscribe_token, topic=TOPIC
        ),
        message_id_domain=compose._domain_of(mail_from),
    )


def reply_message(data: dict[str, Any], *, mail_from: str) -> EmailMessage:
    language = compose.normalize_language(data.get("language"))
    message = compose.build_message(
        kind="contact_replied",
        language=language,
        to=compose.recipient(data["sender_name"], data["sender_email"]),
        mail_from=mail_from,
        context={
            "recipient_name": data["recipient_name"],
            "sender_name": " ".join(str(data["sender_name"]).split()),
            "message": data["message"],
            "reply": data["reply"],
            "reply_to": data.get("reply_to"),
        },
        unsubscribe_url=None,
        message_id_domain=compose._domain_of(mail_from),
    )
    if data.get("reply_to"):
        message["Reply-To"] = compose.recipient(data["recipient_name"], data["reply_to"])
    return message


def notify_contact_requested(settings: Settings, event: dict[str, Any]) -> bool:
    """The request to its recipient (an address that unsubscribed gets nothing)."""
    data = event["data"]
    message = request_message(
        data,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        unsubscribe_token=token_for(link_secret(), data["recipient_email"]),
    )
    return record(event["event_id"], "contact_requested", message, topic=TOPIC)


def notify_contact_replied(settings: Settings, event: dict[str, Any]) -> bool:
    """The answer to the sender, who asked for it (transactional)."""
    message = reply_message(event["data"], mail_from=settings.mail_from)
    return record(event["event_id"], "contact_replied", message, True, topic=TRANSACTIONAL)
