"""Writes: what each event becomes (who is told, in which language, with which message), the
email outbox that sends each email once, and the unsubscribe wishes.

The event handler only *records* an email: a ``Delivery`` whose unique ``_id`` is
``<event_id>:<kind>:<to>`` (a duplicate event finds it and records nothing), ``pending`` with
the message as it goes on the wire. The sender (``sender.py``) sends it later, retrying a
temporary failure with backoff for as long as SMTP is away, so the handler never fails because
of SMTP. No ``findAndModify``, no ``$or``: SecantusDB scans the collection for those.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from mongoengine.errors import NotUniqueError

from services.common.settings import Settings

from . import compose, queries
from .models import Delivery, Secret, Suppression
from .rules import check_token, normalise, token_for

SECRET_ID = "unsubscribe_link_secret"


# -- events -------------------------------------------------------------------------------
def notify_booking_confirmed(settings: Settings, event: dict[str, Any]) -> bool:
    """The confirmation, with its invitation, to the person who booked."""
    data = event["data"]
    message = compose.booking_confirmed_message(
        data,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        unsubscribe_token=token_for(link_secret(), data["email"]),
    )
    return record(event["event_id"], "booking_confirmed", message)


def notify_place_created(settings: Settings, event: dict[str, Any]) -> bool:
    """Tell the territory's coordinator that a place was added to the directory."""
    to = settings.coordinator_email
    message = compose.place_created_message(
        event["data"],
        to=to,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        language=settings.default_language,
        unsubscribe_token=token_for(link_secret(), to),
    )
    return record(event["event_id"], "place_created", message)


# -- the email outbox -----------------------------------------------------------------------
def record(event_id: str, kind: str, message: EmailMessage) -> bool:
    """Put ``message`` in the outbox unless this event already did; True when recorded now."""
    recipient = message["To"]
    rcpt = recipient.addresses[0].addr_spec
    key = Delivery.key(event_id, kind, str(recipient))
    now = datetime.now(UTC)
    fields = {
        "event_id": event_id,
        "kind": kind,
        "to": str(recipient),
        "subject": message["Subject"],
    }
    if queries.is_suppressed(rcpt):
        # They asked for no more email: keep a trace, send nothing.
        Delivery.objects(id=key).update_one(
            upsert=True,
            **{f"set_on_insert__{name}": value for name, value in fields.items()},
            set_on_insert__status=Delivery.SUPPRESSED,
            set_on_insert__created_at=now,
        )
        return False
    raw, smtputf8 = wire_form(message)
    try:
        Delivery(
            id=key,
            **fields,
            status=Delivery.PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
            message_id=message["Message-ID"],
            raw=raw,
            mail_from=parseaddr(str(message["From"] or ""))[1],
            rcpt=rcpt,
            smtputf8=smtputf8,
        ).save(force_insert=True)
    except NotUniqueError:
        return False  # recorded by an earlier delivery of this event: sent once, by the sender
    return True


def wire_form(message: EmailMessage) -> tuple[bytes, bool]:
    """The bytes ``smtplib.send_message`` would send, and whether they need SMTPUTF8.

    Made here, in the handler: a message that cannot be serialised fails the event (retried,
    then a dead letter the operator sees), never the sender over and over.
    """
    addresses = [parseaddr(str(message["From"] or ""))[1]]
    addresses += [a.addr_spec for a in message["To"].addresses]
    smtputf8 = not all(address.isascii() for address in addresses)
    policy = message.policy.clone(linesep="\r\n", **({"utf8": True} if smtputf8 else {}))
    return message.as_bytes(policy=policy), smtputf8


# -- unsubscribe ----------------------------------------------------------------------------
def unsubscribe(email: str, token: str) -> dict[str, Any]:
    """Record the wish; idempotent. A wrong token is refused."""
    check_token(link_secret(), email, token)
    address = normalise(email)
    Suppression.objects(email=address).update_one(
        upsert=True, set_on_insert__since=datetime.now(UTC)
    )
    return {"email": address, "unsubscribed": True}


_known: dict[str, bytes] = {}  # database name -> secret: it never changes once created


def link_secret() -> bytes:
    """This territory's signing secret, created on first use and stable afterwards."""
    name = Secret._get_db().name
    if name not in _known:
        _known[name] = _load_or_create_secret()
    return _known[name]


def _load_or_create_secret() -> bytes:
    existing = Secret.objects(name=SECRET_ID).first()
    if existing is None:
        # Another worker may create it at the same moment: then theirs stands.
        with contextlib.suppress(NotUniqueError):
            Secret(name=SECRET_ID, value=secrets.token_hex(32)).save(force_insert=True)
        existing = Secret.objects(name=SECRET_ID).first()
    return existing.value.encode()
