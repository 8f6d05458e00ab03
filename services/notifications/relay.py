"""The reply relay: replies to a booking or a contact request go to the right person through
a per-conversation address, ``r-<token>@<relay domain>``, so that nobody's address is
exposed.

- ``open_conversation(secret, about, first, second)``: the ``Reply-To`` an email carries.
  The token is an HMAC of what the conversation is about and its two parties (the same
  conversation always gets the same address: idempotent, no race), stored as a
  ``Conversation``. ``commands.reply_to`` is what the booking and contact emails call.
- ``forward(...)``: a message received on a relay address (``relay_server.py``, the inbound
  SMTP listener) from one party becomes a new message to the other: from Maillage's own
  address (``Name via Maillage``), with the relay address as ``Reply-To``, the subject made
  one safe line, the plain text of the reply — no header of the original crosses (no
  ``From``, ``Cc``, ``Received``, ``Message-ID`` of the sender). It is recorded in the email
  outbox like any email (one ``Delivery`` per received message: a retried SMTP transaction
  records nothing more), and the sender sends it.
- A message to an unknown address, or from someone who is neither party, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from . import compose
from .models import Conversation
from .rules import normalise

TOKEN_LENGTH = 24
ADDRESS = re.compile(rf"^r-([0-9a-f]{{{TOKEN_LENGTH}}})@(.+)$")
MAX_TEXT = 100_000
KIND = "relayed_reply"


class NotARelayAddress(Exception):
    """No conversation behind this address (unknown, or another domain)."""


class NotAParty(Exception):
    """The sender is neither party of the conversation."""


def token_of(secret: bytes, about: str, first: str, second: str) -> str:
    parties = "|".join(sorted((normalise(first), normalise(second))))
    digest = hmac.new(secret, f"relay:{about}|{parties}".encode(), hashlib.sha256)
    return digest.hexdigest()[:TOKEN_LENGTH]


def address_of(token: str, domain: str) -> str:
    return f"r-{token}@{domain}"


def open_conversation(
    secret: bytes,
    domain: str,
    about: str,
    first: tuple[str, str],
    second: tuple[str, str],
) -> str:
    """The relay address of the conversation about ``about`` between ``first`` and
    ``second`` (each ``(email, name)``), created on first use."""
    token = token_of(secret, about, first[0], second[0])
    Conversation.objects(token=token).update_one(
        upsert=True,
        set_on_insert__about=about,
        set_on_insert__first_email=normalise(first[0]),
        set_on_insert__first_name=compose.one_line(first[1] or ""),
        set_on_insert__second_email=normalise(second[0]),
        set_on_insert__second_name=compose.one_line(second[1] or ""),
        set_on_insert__created_at=datetime.now(UTC),
    )
    return address_of(token, domain)


def conversation_for(rcpt: str, domain: str) -> Conversation:
    matched = ADDRESS.match(normalise(rcpt))
    if not matched or matched.group(2) != domain.lower():
        raise NotARelayAddress(rcpt)
    found = Conversation.objects(token=matched.group(1)).first()
    if found is None:
        raise NotARelayAddress(rcpt)
    return found


def other_party(conversation: Conversation, sender: str) -> tuple[str, str, str]:
    """(their address, their name, the sender's name) for a message from ``sender``."""
    sender = normalise(sender)
    if sender == conversation.first_email:
        return conversation.second_email, conversation.second_name, conversation.first_name
    if sender == conversation.second_email:
        return conversation.first_email, conversation.first_name, conversation.second_name
    raise NotAParty(sender)


def plain_text(received: EmailMessage) -> str:
    """The reply's words: its text part (or the HTML's text, tags dropped), bounded."""
    part = received.get_body(("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        return ""
    if part.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    return content[:MAX_TEXT]


def forward(
    received: EmailMessage,
    mail_from: str,
    rcpt: str,
    *,
    domain: str,
    system_from: str,
) -> tuple[str, EmailMessage]:
    """The message to send on: (a key naming the received message, the new message)."""
    conversation = conversation_for(rcpt, domain)
    to, to_name, sender_name = other_party(conversation, mail_from)
    relay_address = address_of(conversation.token, domain)
    system_name, system_address = parseaddr(system_from)
    shown = f"{sender_name} via {system_name or 'Maillage'}" if sender_name else system_from
    message = EmailMessage()
    message["From"] = compose.recipient(shown, system_address)
    message["To"] = compose.recipient(to_name or "", to)
    message["Reply-To"] = relay_address
    message["Subject"] = compose.one_line(str(received.get("Subject", "")))[:200] or "(sans objet)"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-replied"
    message.set_content(plain_text(received) or " ")
    original = str(received.get("Message-ID", "")) or plain_text(received)
    key = f"{conversation.token}|{normalise(mail_from)}|{original}"
    key = hashlib.sha256(key.encode()).hexdigest()
    return f"relay-{key[:32]}", message


def describe(conversation: Conversation) -> dict[str, Any]:
    return {"token": conversation.token, "about": conversation.about}
