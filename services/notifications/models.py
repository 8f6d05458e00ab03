"""Notifications documents: the delivery log, who asked for no more email, the link secret.

Every access path is by ``_id`` (SecantusDB scans a collection for ``findAndModify``, for
``$or`` and for an indexed equality mixed with a range on another field).
"""

from __future__ import annotations

from mongoengine import DateTimeField, Document, IntField, StringField

from services.common.clock import utc_now
from services.common.db import collection_meta

ALIAS = "notifications"


class Delivery(Document):
    """One email for one (event, kind, recipient): ``_id`` is ``<event_id>:<kind>:<to>``.

    The unique ``_id`` is the claim: the worker whose insert succeeds sends; a duplicate
    event finds the entry and sends nothing unless the send failed or its claim expired.
    """

    SENDING, SENT, FAILED, SUPPRESSED = "sending", "sent", "failed", "suppressed"

    meta = collection_meta(ALIAS, "deliveries", "-created_at")  # the operator's latest ones
    id = StringField(primary_key=True)
    event_id = StringField(required=True)
    kind = StringField(required=True)
    to = StringField(required=True)
    subject = StringField()
    status = StringField(required=True)
    attempts = IntField(default=0)
    created_at = DateTimeField(default=utc_now)
    claimed_until = DateTimeField()  # until when the worker that claimed it may send
    sent_at = DateTimeField()
    message_id = StringField()
    last_error = StringField()

    @staticmethod
    def key(event_id: str, kind: str, to: str) -> str:
        return f"{event_id}:{kind}:{to}"


class Suppression(Document):
    """An address (normalised, as ``_id``) that asked to receive no more email."""

    meta = collection_meta(ALIAS, "suppressions")
    email = StringField(primary_key=True)
    since = DateTimeField(default=utc_now)


class Secret(Document):
    """A secret this service makes once and keeps (the unsubscribe links' signing key)."""

    meta = collection_meta(ALIAS, "secrets")
    name = StringField(primary_key=True)
    value = StringField(required=True)


DOCUMENTS = (Delivery, Suppression, Secret)
