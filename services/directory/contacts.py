"""Contact requests ("mise en relation"): a visitor writes to an actor or a place through
the platform, the recipient answers from the link in their email.

- The sender's address stays in the directory: the ``contact_requested`` event (hence the
  recipient's email) carries their name and message, not their address.
- The recipient replies on ``/contact/reply/<token>`` (only the token's SHA-256 is stored);
  the reply goes to the sender by email (``contact_replied``), with the recipient's address
  as ``Reply-To`` if they chose to share it; once they replied, the reply page shows them the
  sender's address: both may then write to each other directly.
- Spam: the honeypot, links and length (``rules.contact``); at most
  ``PER_RECIPIENT_PER_DAY`` requests a recipient a day, counted by a conditional ``$inc`` in
  the database. The gateway adds limits per sender address and per IP.
- The coordinator sees counts per recipient per month (``contact_stats``), never content.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from contracts.directory import (
    ContactAlreadyReplied,
    ContactLimitReached,
    ContactRefused,
    ContactReplyIn,
    ContactRequestIn,
    ContactTarget,
)
from contracts.errors import NotFound
from contracts.identity import ANONYMOUS, Caller
from services.common.clock import utc_now
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from .models import Actor, ContactCount, ContactRequest, Place
from .rules.actors import is_staff
from .rules.contact import PER_RECIPIENT_PER_DAY, count_id, day_of, month_of, spam_reason


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def recipient_of(target_type: str, target_id: str) -> tuple[str, str | None]:
    """(name, address) of the request's recipient: a listed actor's ``email``, a place's
    first contact address."""
    if target_type == ContactTarget.actor:
        actor = get_or_404(Actor, target_id, "actor", status="listed")
        return actor.name, actor.email
    place = get_or_404(Place, target_id, "place")
    raw = Place._get_collection().find_one({"_id": place.id}, {"contact": 1}) or {}
    emails = (raw.get("contact") or {}).get("emails") or []
    return place.name, (emails[0] if emails else None)


def _count_one_more(target_type: str, target_id: str, day: str) -> None:
    """One more request for the recipient today, unless they had their share: the condition
    and the increment are one write (two senders racing cannot both pass the limit)."""
    key = count_id("day", day, target_type, target_id)
    try:
        ContactCount.objects(id=key, n__lt=PER_RECIPIENT_PER_DAY).update_one(
            upsert=True,
            inc__n=1,
            set_on_insert__kind="day",
            set_on_insert__period=day,
            set_on_insert__target_type=target_type,
            set_on_insert__target_id=target_id,
        )
    except NotUniqueError:  # the document exists and is at the limit: the upsert collided
        raise ContactLimitReached(
            "this recipient has received enough requests today", limit=PER_RECIPIENT_PER_DAY
        ) from None


def request_contact(payload: dict, key: str, events: EventStager) -> dict[str, Any]:
    """Store a visitor's request and stage ``contact_requested`` (the recipient's email)."""
    data = parse(ContactRequestIn, payload)
    reason = spam_reason(data.message, data.website)
    if reason:
        raise ContactRefused("this message looks like spam", reason=reason)
    name, address = recipient_of(data.target_type.value, data.target_id)
    if not address:
        raise ContactRefused("this recipient has no address", reason="no_address")
    digest = fingerprint(data.model_dump(mode="json"))
    existing = ContactRequest.objects(idempotency_key=key).first()
    if existing is None:  # a retry is not counted twice
        _count_one_more(data.target_type.value, data.target_id, day_of(utc_now()))
    token = secrets.token_urlsafe(24)

    def build() -> ContactRequest:
        request = ContactRequest(
            id=ObjectId(),
            target_type=data.target_type.value,
            target_id=data.target_id,
            recipient_email=address,
            recipient_name=name,
            sender_name=data.name,
            sender_email=str(data.email),
            message=data.message,
            language=data.language,
            token_hash=token_hash(token),
            idempotency_key=key,
            fingerprint=digest,
        )
        request.stage(
            events.event(
                "contact_requested",
                {
                    "request_id": str(request.id),
                    "target_type": request.target_type,
                    "target_id": request.target_id,
                    "recipient_email": address,
                    "recipient_name": name,
                    "sender_name": data.name,
                    "message": data.message,
                    "reply_token": token,
                    "language": data.language,
                },
            )
        )
        return request

    request = insert_once(ContactRequest, key, digest, build, "contact request")
    if existing is None:
        month = month_of(request.created_at)
        _count_month(request, month, inc__n=1)
    events.flush(ContactRequest)
    return {
        "id": str(request.id),
        "target_type": request.target_type,
        "target_id": request.target_id,
        "recipient_name": request.recipient_name,
        "status": "replied" if request.replied_at else "sent",
    }


def _count_month(request: ContactRequest, month: str, **inc: int) -> None:
    ContactCount.objects(
        id=count_id("month", month, request.target_type, request.target_id)
    ).update_one(
        upsert=True,
        set_on_insert__kind="month",
        set_on_insert__period=month,
        set_on_insert__target_type=request.target_type,
        set_on_insert__target_id=request.target_id,
        **inc,
    )


def _by_token(token: str) -> ContactRequest:
    found = ContactRequest.objects(token_hash=token_hash(token or "")).first()
    if found is None:
        raise NotFound("no such contact request", what="contact_request", id=None)
    return found


def thread(request: ContactRequest) -> dict[str, Any]:
    replied = request.replied_at is not None
    return {
        "id": str(request.id),
        "target_type": request.target_type,
        "target_id": request.target_id,
        "recipient_name": request.recipient_name,
        "sender_name": request.sender_name,
        "message": request.message,
        "created_at": request.created_at.isoformat(),
        "replied_at": request.replied_at.isoformat() if replied else None,
        "reply": request.reply,
        "sender_email": request.sender_email if replied else None,
    }


def contact_request(token: str) -> dict[str, Any]:
    """The request as its recipient reads it from the link (the token is the right)."""
    return thread(_by_token(token))


def reply_contact(token: str, payload: dict, key: str, events: EventStager) -> dict[str, Any]:
    """The recipient's answer, once: stored and staged as ``contact_replied`` in the same
    conditional write (``replied_at`` still unset), so a second answer is refused."""
    request = _by_token(token)
    data = parse(ContactReplyIn, payload)
    if request.replied_at is not None:
        if request.reply == data.message:  # the same answer again (a retry): same result
            return thread(request)
        raise ContactAlreadyReplied("already answered", id=str(request.id))
    event = events.event(
        "contact_replied",
        {
            "request_id": str(request.id),
            "sender_email": request.sender_email,
            "sender_name": request.sender_name,
            "recipient_name": request.recipient_name,
            "message": request.message,
            "reply": data.message,
            "reply_to": request.recipient_email if data.share_email else None,
            "language": request.language,
        },
    )
    now = utc_now()
    written = ContactRequest.objects(id=request.id, replied_at=None).update_one(
        set__reply=data.message,
        set__reply_shared_email=data.share_email,
        set__replied_at=now,
        **ContactRequest.staging(event),
    )
    if not written:
        request.reload()
        if request.reply != data.message:
            raise ContactAlreadyReplied("already answered", id=str(request.id))
        return thread(request)
    events.flush(ContactRequest)
    _count_month(request, month_of(request.created_at), inc__replied=1)
    request.reload()
    return thread(request)


def contact_stats(months: int = 12, who: Caller = ANONYMOUS) -> list[dict[str, Any]]:
    """Requests and replies per recipient per month (latest first): counts, no content. A
    coordinator or an admin."""
    require(is_staff(who), who, "see contact figures", "contact_stats")
    found = ContactCount.objects(kind="month").order_by("-period").limit(5000)
    rows = [
        {
            "month": c.period,
            "target_type": c.target_type,
            "target_id": c.target_id,
            "requests": c.n,
            "replied": c.replied,
        }
        for c in found
    ]
    keep = sorted({r["month"] for r in rows}, reverse=True)[: max(1, min(months, 60))]
    rows = [r for r in rows if r["month"] in keep]
    names = _names(rows)
    for row in rows:
        row["name"] = names.get((row["target_type"], row["target_id"]))
    return rows


def _names(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    ids: dict[str, list[ObjectId]] = {"actor": [], "place": []}
    for row in rows:
        if ObjectId.is_valid(row["target_id"]):
            ids[row["target_type"]].append(ObjectId(row["target_id"]))
    names = {("actor", str(a.id)): a.name for a in Actor.objects(id__in=ids["actor"])}
    names.update({("place", str(p.id)): p.name for p in Place.objects(id__in=ids["place"])})
    return names
