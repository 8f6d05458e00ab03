"""The answer to a member's request to join a club (clubs' ``club_join_answered``): welcome,
or not this time, in their language. They asked and are waiting: the email is what they
asked for (``transactional``), its one-click link stops the clubs' other emails."""

from __future__ import annotations

from typing import Any

from services.common.settings import Settings

from . import compose
from .clubs import club_url
from .models import Contact
from .preferences import TRANSACTIONAL
from .rules import token_for

KIND = "club_join_answered"
TOPIC = "clubs"


def notify(settings: Settings, event: dict[str, Any], record, secret: bytes) -> int:
    """Record the member's email (once per event); 0 when their address is unknown."""
    data = event["data"]
    contact = Contact.objects(member_id=data["member_id"]).first()
    if contact is None:
        return 0
    message = compose.to_member(
        KIND,
        contact,
        settings=settings,
        token=token_for(secret, contact.email),
        topic=TOPIC,
        context={**data, "club_url": club_url(settings.public_url, data["club_id"])},
    )
    return int(
        record(event["event_id"], KIND, message, key_to=contact.member_id, topic=TRANSACTIONAL)
    )
