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
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from functools import partial
from typing import Any

from mongoengine.errors import NotUniqueError

from services.common.settings import Settings

from . import (
    club_meetings,
    clubs,
    compose,
    digest,
    lifecycle,
    managers,
    moderation,
    places,
    preferences,
    queries,
    relay,
    suspensions,
)
from .models import (
    Contact,
    Conversation,
    Correspondent,
    Delivery,
    ErasedMember,
    Secret,
    Suppression,
    Suspension,
    SuspensionLift,
)
from .preferences import TRANSACTIONAL
from .rules import check_token, normalise, token_for

SECRET_ID = "unsubscribe_link_secret"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- events -------------------------------------------------------------------------------
def notify_booking_confirmed(settings: Settings, event: dict[str, Any]) -> bool:
    """The confirmation, with its invitation, to the person who booked; nothing for a date
    of a series (``booking_series_confirmed`` tells them of every date at once). And the
    place's managers, when the resource says so (``tell_managers``)."""
    event = places.event_with_card(event)  # one read of the card for all
    tell_managers(settings, event, "booking_confirmed")
    lifecycle.keep_state(event, lifecycle.ACTIVE)
    if event["data"].get("series_id"):
        return False
    return _notify_booker(
        settings, event, "booking_confirmed", compose.booking_confirmed_message, TRANSACTIONAL
    )


def notify_booking_cancelled(settings: Settings, event: dict[str, Any]) -> bool:
    """The cancellation, with the ``.ics`` that removes the invitation, to the person who
    booked (as the confirmation: an unsubscribed address gets nothing). A date of a series
    cancelled alone: that instance of the series' event; cancelled with others
    (``series_cancel``): nothing, ``booking_series_cancelled`` tells them once. And the
    place's managers, when the resource says so."""
    event = places.event_with_card(event)  # one read of the card for all
    tell_managers(settings, event, "booking_cancelled")
    lifecycle.cancelled(event)  # and no reminder of it will go
    if event["data"].get("series_cancel"):
        return False
    # Leaving the waitlist is the person's own click, answered on the page: no email.
    if event["data"].get("previous_status") in ("waitlisted", "offered"):
        return False
    # Their own cancellation answers what they just did; the place's is news to them.
    topic = TRANSACTIONAL if event["data"].get("cancelled_by") == "owner" else "bookings"
    return _notify_booker(
        settings, event, "booking_cancelled", compose.booking_cancelled_message, topic
    )


def notify_booking_series(settings: Settings, event: dict[str, Any]) -> bool:
    """``booking_series_confirmed`` / ``_cancelled``: one email for every date of it."""
    kind = event["type"]
    if kind not in ("booking_series_confirmed", "booking_series_cancelled"):
        raise KeyError(f"not a series email: {kind}")

    def build(data: dict, **options: Any):
        return compose.booking_series_message(kind, data, **options)

    asked = kind == "booking_series_confirmed" or event["data"].get("cancelled_by") == "owner"
    return _notify_booker(settings, event, kind, build, TRANSACTIONAL if asked else "bookings")


def notify_booking_answer(settings: Settings, event: dict[str, Any]) -> bool:
    """A request awaiting the place's approval: received (``booking_requested``) or
    refused with its reason (``booking_rejected``), to the person who asked; a request to
    the place's managers too, when the resource says so."""
    event = places.event_with_card(event)  # one read of the card for all
    kind = event["type"]
    tell_managers(settings, event, kind)
    topic = TRANSACTIONAL if kind == "booking_requested" else "bookings"
    return _notify_booker(
        settings, event, kind, partial(compose.booking_answer_message, kind), topic
    )


def notify_booking_reminder(settings: Settings, event: dict[str, Any]) -> bool:
    """The reminder before a booking, to the person who booked (one per date of a series:
    each date is its own reminder). Never for a booking cancelled since (``lifecycle``)."""
    booking_id = event["data"]["booking_id"]
    if lifecycle.is_cancelled(booking_id):
        return False
    recorded = _notify_booker(settings, event, "booking_reminder", compose.booking_reminder_message)
    if recorded and lifecycle.is_cancelled(booking_id):  # cancelled while recording it
        lifecycle.supersede_reminders(booking_id)
        return False
    return recorded


def notify_booking_restored(settings: Settings, event: dict[str, Any]) -> bool:
    """A cancelled booking restored by the place: "your booking is restored", with the
    invitation that replaces the cancellation in their calendar."""
    lifecycle.keep_state(event, lifecycle.ACTIVE)
    return _notify_booker(settings, event, "booking_restored", compose.booking_restored_message)


def tell_managers(settings: Settings, event: dict[str, Any], kind: str) -> int:
    """The place's managers' emails about a booking event of type ``kind``
    (``managers.notify_managers``)."""
    event = places.event_with_card(event)
    return managers.notify_managers(settings, event, kind, record, link_secret())


def keep_place_managers(event: dict[str, Any]) -> bool:
    """``place_managers_changed``: who manages the place now (``managers.py``)."""
    return managers.keep_place_managers(event, erased_digest)


def notify_club_announcement(settings: Settings, event: dict[str, Any]) -> int:
    """An announcement to each member of the club (``clubs.py``)."""
    return clubs.notify_announcement(settings, event, record, link_secret())


def notify_waitlist(settings: Settings, event: dict[str, Any]) -> bool:
    """``booking_waitlisted`` / ``booking_offered``: to the person waiting, unless booking
    counted this entry's messages out (``message`` 0: it had its three)."""
    kind = event["type"]
    if not event["data"].get("message"):
        return False
    return _notify_booker(settings, event, kind, partial(compose.waitlist_message, kind))


def _notify_booker(
    settings: Settings, event: dict[str, Any], kind: str, build, topic: str = "bookings"
) -> bool:
    """A booking email to its person. ``topic``: ``bookings``, or ``transactional`` for
    what they just did themselves (stopped only by "stop everything")."""
    data = event["data"]
    if not data.get("email"):
        return False  # booked by a manager for someone reached by phone: they call them
    keep_correspondent(data)
    data = places.with_card(data)
    message = build(
        data,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        unsubscribe_token=token_for(link_secret(), data["email"]),
    )
    about = lifecycle.about(data["booking_id"]) if data.get("booking_id") else None
    card = data.get("place_card") or {}
    if about and card.get("email"):  # a reply reaches the place, through the relay
        place = (card["email"], card.get("name") or "")
        relayed = reply_to(settings, about, (data["email"], data.get("name") or ""), place)
        if relayed:
            message["Reply-To"] = relayed
    return record(event["event_id"], kind, message, topic=topic, about=about)


def reply_to(
    settings: Settings, about: str, first: tuple[str, str], second: tuple[str, str]
) -> str | None:
    """The ``Reply-To`` of an email between two people (``(email, name)`` each) about
    ``about`` (``booking:<id>``, ``contact:<request id>``): a relay address, so that a reply
    reaches the other without either address shown (``relay.py``). None when the territory
    runs no relay (``MAILLAGE_RELAY_DOMAIN`` empty): then the email has no Reply-To."""
    domain = getattr(settings, "relay_domain", "")
    if not domain:
        return None
    return relay.open_conversation(link_secret(), domain, about, first, second)


def keep_correspondent(data: dict[str, Any]) -> None:
    """Someone written to about a booking or a contact request, account or not: their name
    and language as they gave them (the latest wins)."""
    Correspondent.objects(email=normalise(data["email"])).update_one(
        upsert=True,
        set__name=" ".join(str(data.get("name") or "").split()),
        set__language=compose.normalize_language(data.get("language")),
        set__seen_at=datetime.now(UTC),
    )


def notify_meeting_room_refused(settings: Settings, event: dict[str, Any]) -> int:
    """A club meeting without its room: to the president, or the acting place's managers
    (``club_meetings.py``)."""
    return club_meetings.notify_room_refused(settings, event, record, link_secret())


def notify_club_standing(settings: Settings, event: dict[str, Any]) -> int:
    """A member's own standing in a club: the answer to their join request, their removal,
    the presidency handed to them (``club_standing.py``)."""
    from . import club_standing

    return club_standing.notify(settings, event, record, link_secret())


def notify_club_join_requested(settings: Settings, event: dict[str, Any]) -> int:
    """A join request to answer: to the president, or the acting place's managers
    (``club_meetings.py``)."""
    return club_meetings.notify_join_requested(settings, event, record, link_secret())


def notify_place_created(settings: Settings, event: dict[str, Any]) -> bool:
    """Tell the territory's coordinator that a place was added to the directory; and keep
    its card for the footer of its emails (``places.py``)."""
    places.keep_place(event)
    to = settings.coordinator_email
    message = compose.place_created_message(
        event["data"],
        to=to,
        mail_from=settings.mail_from,
        public_url=settings.public_url,
        language=settings.default_language,
        unsubscribe_token=token_for(link_secret(), to),
    )
    return record(event["event_id"], "place_created", message, topic="directory")


def send_weekly_digest(settings: Settings, now: datetime | None = None, force: bool = False) -> int:
    """The weekly digest's round (``digest.py``): once a week per person who chose it."""
    return digest.send_weekly(settings, record, link_secret(), now, force)


def keep_coming_event(event: dict[str, Any]) -> bool:
    """A clubs meeting or workshop scheduled, moved or cancelled: the digest's projection."""
    return digest.keep_from_event(event)


def meeting_changed(settings: Settings, event: dict[str, Any]) -> int:
    """A club's meeting moved or cancelled: the digest's projection follows, and the members
    the event names are told (``meeting_news.py``)."""
    from . import meeting_news

    keep_coming_event(event)
    return meeting_news.notify(settings, event, record, link_secret())


def notify_workshop(settings: Settings, event: dict[str, Any]) -> int:
    """A workshop's or event's emails (clubs' ``rsvp_*`` and ``workshop_*``): workshops.py."""
    from . import workshops

    return workshops.notify(settings, event, record, link_secret())


def notify_contribution_answer(settings: Settings, event: dict[str, Any]) -> bool:
    """The directory's answer to a proposal, to its contributor (``moderation.py``)."""
    return moderation.notify_contributor(
        settings, event, record, lambda email: token_for(link_secret(), email)
    )


# The gateway's emails with a single-use link (contracts/gateway.py): asked for by the person.
LINK_KINDS = (
    "email_confirmation_requested",
    "sign_in_link_requested",
    "password_reset_requested",
    "email_change_requested",
)


def notify_link(settings: Settings, event: dict[str, Any]) -> bool:
    """The email with the link the person just asked for (confirm, sign in, reset).

    Transactional: sent even to an address that unsubscribed (it only goes when the person
    asks for it), with no unsubscribe link. The link is never logged; it stays in the
    outbox's ``raw`` only until the email is sent.
    """
    kind = event["type"]
    if kind not in LINK_KINDS:
        raise KeyError(f"not a link email: {kind}")
    message = compose.link_message(
        kind,
        event["data"],
        mail_from=settings.mail_from,
        issued_at=event["occurred_at"],
    )
    recorded = record(event["event_id"], kind, message, True, topic=TRANSACTIONAL)
    if kind == "email_change_requested":
        # And the notice to the address in use: a change asked from a stolen session is seen.
        notice = compose.email_change_notice(
            event["data"],
            mail_from=settings.mail_from,
            public_url=settings.public_url,
        )
        record(event["event_id"], compose.EMAIL_CHANGE_NOTICE, notice, True, topic=TRANSACTIONAL)
    return recorded


# -- the contact projection (gateway's member events) -------------------------------------
def erased_digest(member_id: str) -> str:
    return hashlib.sha256(f"erased-member:{member_id}".encode()).hexdigest()


def keep_contact(event: dict[str, Any]) -> bool:
    """``member_registered`` / ``member_updated``: the member's address, name and language.

    Idempotent and order-proof: the contact takes an event's values only when the event is
    newer than what it holds, and an erased member is never brought back. True when changed.
    A change of address (``previous_email``) carries an unsubscribe wish to the new address:
    the wish was the person's, not the mailbox's.
    """
    data = event["data"]
    occurred = (datetime.fromisoformat(event["occurred_at"]) - EPOCH) // timedelta(microseconds=1)
    if ErasedMember.objects(digest=erased_digest(data["member_id"])).first() is not None:
        return False
    if data.get("previous_email"):
        follow_suppression(data["previous_email"], data["email"])
        preferences.follow(data["previous_email"], data["email"])
    values = {
        "email": data["email"],
        "name": data["name"],
        "language": compose.normalize_language(data.get("language")),
        "timezone": data.get("timezone") or "Europe/Paris",
        "event_time_us": occurred,
    }
    try:
        Contact(member_id=data["member_id"], **values).save(force_insert=True)
        return True
    except NotUniqueError:
        pass
    changed = Contact.objects(member_id=data["member_id"], event_time_us__lt=occurred).update_one(
        **{f"set__{name}": value for name, value in values.items()}
    )
    return bool(changed)


def erase_member(
    event: dict[str, Any], forget_failures: Callable[[dict[str, Any]], int] | None = None
) -> dict[str, int]:
    """``member_erased``: nothing here names the member afterwards.

    - the contact is deleted, and a digest of the member's id remembers the erasure;
    - emails not sent yet (pending, sending) to their address are deleted: they were about an
      account that no longer exists;
    - the log of emails already handled (sent, refused, failed, suppressed) is anonymised:
      the address leaves it, the kind, status and dates stay for the operator's figures;
    - an unsubscribe wish is kept, anonymised: the address is replaced by its keyed digest
      (the unsubscribe link's HMAC), so that a booking made for them later by a facilitator
      still sends nothing, without this database holding their address.
    Their address is the event's and the contact's (they differ when a ``member_updated`` is
    still on its way; without a contact — its events lost or not yet here — the event's).
    - the failed events naming them are deleted (``forget_failures``: the inbox's
      ``forget_member``), so that no replay brings them back.
    Idempotent: a second delivery finds nothing left and changes nothing.
    """
    if forget_failures is not None:
        forget_failures(event["data"])
    data = event["data"]
    member_id = data["member_id"]
    counts = {"contact": 0, "deliveries_deleted": 0, "deliveries_anonymised": 0}
    ErasedMember.objects(digest=erased_digest(member_id)).update_one(
        upsert=True, set_on_insert__erased_at=datetime.now(UTC)
    )
    contact = Contact.objects(member_id=member_id).first()
    addresses = {normalise(a) for a in (data.get("email"), contact and contact.email) if a}
    for address in sorted(addresses):
        _erase_address(address, counts)
    for address in sorted(addresses):  # their choices of messages, and their relays
        counts.setdefault("preferences", 0)
        counts["preferences"] += preferences.forget(address)
        Correspondent.objects(email=address).delete()
        for party in ("first_email", "second_email"):  # their relayed conversations
            Conversation.objects(**{party: address}).delete()
    counts["contact"] = Contact.objects(member_id=member_id).delete()
    counts["places_managed"] = managers.forget_manager(member_id)
    return counts


def _erase_address(address: str, counts: dict[str, int]) -> None:
    for delivery in queries.deliveries_to(address):
        if delivery.status in (Delivery.PENDING, Delivery.SENDING):
            Delivery.objects(id=delivery.id).delete()
            counts["deliveries_deleted"] += 1
            continue
        kept = delivery.to_mongo().to_dict()
        kept.update(
            _id=Delivery.key(delivery.event_id, delivery.kind, "erased"),
            to="erased",
            address="erased",
        )
        for field in ("rcpt", "raw", "message_id", "last_error"):
            kept.pop(field, None)
        Delivery._get_collection().replace_one({"_id": kept["_id"]}, kept, upsert=True)
        Delivery.objects(id=delivery.id).delete()
        counts["deliveries_anonymised"] += 1
    # A suspension names the address: gone (the next refusal, if any, suspends it again).
    Suspension.objects(email=address).delete()
    SuspensionLift.objects(email=address).update(set__email="erased")
    if Suppression.objects(email=address).first() is not None:
        Suppression.objects(email=suppression_digest(address)).update_one(
            upsert=True, set_on_insert__since=datetime.now(UTC)
        )
        Suppression.objects(email=address).delete()


def follow_suppression(previous: str, current: str) -> None:
    """The old address's unsubscribe wish, if any, also holds for the new one (idempotent)."""
    if Suppression.objects(email=normalise(previous)).first() is not None:
        Suppression.objects(email=normalise(current)).update_one(
            upsert=True, set_on_insert__since=datetime.now(UTC)
        )


def suppression_digest(email: str) -> str:
    return f"erased:{token_for(link_secret(), email)}"


# -- the email outbox -----------------------------------------------------------------------
def record(
    event_id: str,
    kind: str,
    message: EmailMessage,
    transactional: bool = False,
    key_to: str | None = None,
    *,
    topic: str,
    about: str | None = None,
    coalesce_key: str | None = None,
    event_time_us: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Put ``message`` in the outbox unless this event already did; True when recorded now.

    ``transactional``: an email the person asked for this minute (a sign-in link): it goes
    even to an address that unsubscribed from Maillage's other messages. ``key_to``: who the
    email is for in its key, instead of its ``To`` (a manager, by id: a redelivery after
    their name or address changed still finds the email recorded).
    ``topic`` (required: a default would file a new email under another kind, and its
    one-click link would stop the wrong one): the kind of message for the person's
    preferences (``preferences.TOPICS``), or ``transactional`` (a booking they just made:
    stopped only by "stop everything").
    ``about``: what it is about (``booking:<id>``, see ``lifecycle.py``); ``coalesce_key``,
    ``event_time_us``, ``not_before``: an edit that a later one replaces (``coalesce.py``)."""
    recipient = message["To"]
    rcpt = recipient.addresses[0].addr_spec
    key = Delivery.key(event_id, kind, key_to or str(recipient))
    now = datetime.now(UTC)
    fields = {
        "event_id": event_id,
        "kind": kind,
        "to": str(recipient),
        "subject": message["Subject"],
        "topic": TRANSACTIONAL if transactional else topic,
        "about": about,
        "coalesce_key": coalesce_key,
        "event_time_us": event_time_us,
    }
    fields = {name: value for name, value in fields.items() if value is not None}
    fields["address"] = normalise(rcpt)
    # A suspended address (a permanent SMTP refusal) gets nothing, transactional included;
    # an unsubscribed one (from everything, or from this kind) nothing but what the person
    # asked for: a trace, nothing sent.
    held, reason = None, None
    if suspensions.is_suspended(rcpt):
        held, reason = Delivery.SUSPENDED, "address suspended"
    elif not transactional and queries.is_suppressed(rcpt, suppression_digest(rcpt)):
        held, reason = Delivery.SUPPRESSED, "unsubscribed from everything"
    elif not transactional and not preferences.allows(rcpt, topic):
        held, reason = Delivery.SUPPRESSED, f"kind turned off: {topic}"
    if held is not None:
        Delivery.objects(id=key).update_one(
            upsert=True,
            **{f"set_on_insert__{name}": value for name, value in fields.items()},
            set_on_insert__status=held,
            set_on_insert__reason=reason,
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
            next_attempt_at=not_before or now,
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
def unsubscribe(email: str, token: str, kind: str | None = None) -> dict[str, Any]:
    """Record the wish; idempotent. A wrong token is refused. With ``kind`` (the one-click
    link of a message of that kind): that kind only; without: everything (all or nothing)."""
    check_token(link_secret(), email, token)
    address = normalise(email)
    if kind:
        preferences.stop_kind(address, kind)
        return {"email": address, "unsubscribed": True, "kind": kind}
    Suppression.objects(email=address).update_one(
        upsert=True, set_on_insert__since=datetime.now(UTC)
    )
    return {"email": address, "unsubscribed": True}


def email_preferences(email: str, token: str) -> dict[str, Any]:
    """The preferences page reached by the signed link of an email."""
    return preferences.by_link(link_secret(), email, token)


def set_email_preferences(
    email: str, token: str, kinds: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    return preferences.set_by_link(link_secret(), email, token, kinds, idempotency_key)


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
