"""The directory's answer to a member's proposal (``contribution_approved`` /
``contribution_rejected``): one email to the contributor, in their language, with the
coordinator's reason when it is refused. Their address, name and language come in the event
(from the caller who proposed); a proposal by the operator (no address) tells nobody."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from services.common.settings import Settings

from .compose import (
    DEFAULT_LANGUAGE,
    _domain_of,
    _unsubscribe_url,
    build_message,
    recipient,
)

KINDS = ("contribution_approved", "contribution_rejected")
TOPIC = "directory"  # the answers to one's contributions: the directory's kind of email
PATHS = {"place": "/places", "actor": "/actors"}


def answer_message(
    kind: str, data: dict[str, Any], *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    if kind not in KINDS:
        raise KeyError(f"not an answer to a proposal: {kind!r}")
    public_url = public_url.rstrip("/")
    name = " ".join(str(data.get("contributor_name") or "").split())
    record_url = ""
    if data.get("record_id") and data.get("type") in PATHS:
        record_url = f"{public_url}{PATHS[data['type']]}/{data['record_id']}"
    return build_message(
        kind=kind,
        language=data.get("language") or DEFAULT_LANGUAGE,
        to=recipient(name, data["email"]) if name else data["email"],
        mail_from=mail_from,
        context={
            **data,
            "contributor_name": name,
            "record_url": record_url,
            "my_contributions_url": f"{public_url}/contributions/mine",
        },
        unsubscribe_url=_unsubscribe_url(public_url, data["email"], unsubscribe_token, TOPIC),
        message_id_domain=_domain_of(mail_from),
    )


def notify_contributor(settings: Settings, event: dict[str, Any], record, token_for) -> bool:
    """Record the answer's email (once per event); False when there is nobody to write to."""
    data = event["data"]
    if not data.get("email"):
        return False
    message = answer_message(
        event["type"],
        data,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        unsubscribe_token=token_for(data["email"]),
    )
    return record(event["event_id"], event["type"], message, topic=TOPIC)
