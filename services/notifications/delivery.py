"""Send each email at most once per (event, kind, recipient), with a delivery log.

The log entry is claimed before sending; a duplicate event finds it ``sent`` and sends
nothing. A failed send leaves it ``failed``, so the retried event sends again.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from services.common.settings import Settings

from .suppression import is_suppressed

SENDING, SENT, FAILED, SUPPRESSED = "sending", "sent", "failed", "suppressed"
# A claim older than this belongs to a worker that died mid-send: another may take it over.
CLAIM_LEASE = timedelta(minutes=2)


def deliver(
    db: Database, settings: Settings, event_id: str, kind: str, message: EmailMessage
) -> bool:
    """Send ``message`` unless it was already sent for this event; True when sent now."""
    recipient = message["To"]
    key = f"{event_id}:{kind}:{recipient}"
    now = datetime.now(UTC)
    if is_suppressed(db, message["To"].addresses[0].addr_spec):
        # They asked for no more email: keep a trace, send nothing.
        db.deliveries.update_one(
            {"_id": key},
            {
                "$setOnInsert": {
                    "event_id": event_id,
                    "kind": kind,
                    "to": recipient,
                    "subject": message["Subject"],
                    "status": SUPPRESSED,
                    "created_at": now,
                }
            },
            upsert=True,
        )
        return False
    try:
        db.deliveries.insert_one(
            {
                "_id": key,
                "event_id": event_id,
                "kind": kind,
                "to": recipient,
                "subject": message["Subject"],
                "status": SENDING,
                "attempts": 1,
                "created_at": now,
                "claimed_until": now + CLAIM_LEASE,
            }
        )
    except DuplicateKeyError:
        # Take over only a failed send or an abandoned claim; never one that is sent or
        # being sent right now by a worker handling a duplicate of this event.
        # (One field, no $or, no findAndModify: SecantusDB scans the collection for those.)
        claimed = db.deliveries.update_one(
            {"_id": key, "status": {"$ne": SENT}, "claimed_until": {"$lt": now}},
            {
                "$set": {"status": SENDING, "claimed_until": now + CLAIM_LEASE},
                "$inc": {"attempts": 1},
            },
        )
        if not claimed.modified_count:
            return False
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        db.deliveries.update_one(
            {"_id": key},
            {
                "$set": {
                    "status": FAILED,
                    "claimed_until": datetime.now(UTC),
                    "last_error": f"{type(exc).__name__}: {exc}",
                }
            },
        )
        raise
    db.deliveries.update_one(
        {"_id": key},
        {
            "$set": {
                "status": SENT,
                "sent_at": datetime.now(UTC),
                "message_id": message["Message-ID"],
            }
        },
    )
    return True
