"""Writes: what each event becomes (who is told, in which language, with which message), the
delivery claims that send each email at most once, and the unsubscribe wishes.

A delivery is claimed before sending (its ``_id`` is unique); a duplicate event finds it
``sent`` or being sent and sends nothing. A failed send leaves it ``failed``, so the retried
event sends again; a claim older than its lease belongs to a worker that died mid-send and
may be taken over. No ``findAndModify``, no ``$or``: SecantusDB scans the collection for those.
"""

from __future__ import annotations

import contextlib
import secrets
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from mongoengine.errors import NotUniqueError

from services.common.settings import Settings

from . import compose, queries
from .models import Delivery, Secret, Suppression
from .rules import check_token, normalise, token_for

# A claim older than this belongs to a worker that died mid-send: another may take it over.
CLAIM_LEASE = timedelta(minutes=2)
SECRET_ID = "unsubscribe_link_secret"
SMTP_TIMEOUT_SECONDS = 10


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
    return deliver(settings, event["event_id"], "booking_confirmed", message)


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
    return deliver(settings, event["event_id"], "place_created", message)


# -- delivery claims ------------------------------------------------------------------------
def deliver(settings: Settings, event_id: str, kind: str, message: EmailMessage) -> bool:
    """Send ``message`` unless it was already sent for this event; True when sent now."""
    recipient = message["To"]
    key = Delivery.key(event_id, kind, recipient)
    now = datetime.now(UTC)
    fields = {"event_id": event_id, "kind": kind, "to": recipient, "subject": message["Subject"]}
    if queries.is_suppressed(message["To"].addresses[0].addr_spec):
        # They asked for no more email: keep a trace, send nothing.
        Delivery.objects(id=key).update_one(
            upsert=True,
            **{f"set_on_insert__{name}": value for name, value in fields.items()},
            set_on_insert__status=Delivery.SUPPRESSED,
            set_on_insert__created_at=now,
        )
        return False
    if not _claim(key, fields, now):
        return False
    try:
        send(settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        Delivery.objects(id=key).update_one(
            set__status=Delivery.FAILED,
            set__claimed_until=datetime.now(UTC),
            set__last_error=f"{type(exc).__name__}: {exc}",
        )
        raise
    Delivery.objects(id=key).update_one(
        set__status=Delivery.SENT,
        set__sent_at=datetime.now(UTC),
        set__message_id=message["Message-ID"],
    )
    return True


def _claim(key: str, fields: dict[str, Any], now: datetime) -> bool:
    """Take the right to send: a first insert, or the takeover of a failed send or of an
    abandoned claim; never one that is sent or being sent right now by a worker handling a
    duplicate of this event."""
    try:
        Delivery(
            id=key,
            **fields,
            status=Delivery.SENDING,
            attempts=1,
            created_at=now,
            claimed_until=now + CLAIM_LEASE,
        ).save(force_insert=True)
        return True
    except NotUniqueError:
        pass
    # By _id, one condition per field (no $or): not sent, and no live claim.
    taken = Delivery.objects(id=key, status__ne=Delivery.SENT, claimed_until__lt=now).update_one(
        set__status=Delivery.SENDING, set__claimed_until=now + CLAIM_LEASE, inc__attempts=1
    )
    return taken == 1


def send(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        smtp.send_message(message)


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
