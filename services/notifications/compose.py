"""Compose the emails people receive: subject, plain text and HTML from Jinja2 templates.

Templates live in ``templates/<language>/<kind>.{subject,txt,html}.j2``; French is the default
and the fallback. Dates are shown with Babel in the local time written in the ISO offset.
Pure functions: building a message sends nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as format_rfc5322_date
from email.utils import make_msgid, parseaddr
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from babel.dates import format_date, format_datetime, format_time, format_timedelta
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from .headers import POLICY
from .ics import booking_invitation, series_invitation
from .rules import token_for

TEMPLATES_DIR = Path(__file__).parent / "templates"
LINK_KINDS = (
    "email_confirmation_requested",
    "sign_in_link_requested",
    "password_reset_requested",
    "email_change_requested",
)
# To the current address when a change to another one is asked (email_change_requested).
EMAIL_CHANGE_NOTICE = "email_change_notice"
KINDS = (
    "booking_confirmed",
    "booking_cancelled",
    "booking_series_confirmed",
    "booking_series_cancelled",
    "booking_requested",
    "booking_rejected",
    "booking_reminder",
    "booking_restored",
    "booking_waitlisted",
    "booking_offered",
    "place_created",
    *LINK_KINDS,
    EMAIL_CHANGE_NOTICE,
    "manager_booking",
    "meeting_room_refused",  # club_meetings.py
    "club_join_requested",  # club_meetings.py
    "weekly_digest",
    "club_announcement",  # clubs.py
    "club_join_answered",  # club_standing.py
    "club_member_removed",
    "club_presidency_received",
    "meeting_moved",  # meeting_news.py
    "meeting_cancelled",
    # Workshops and events (clubs): workshops.py.
    "rsvp_confirmed",
    "rsvp_waitlisted",
    "rsvp_promoted",
    "workshop_confirmed",
    "workshop_cancelled",
    "workshop_moved",
    # Contact requests to an actor or a place, and the answer (``contact.py``).
    "contact_requested",
    "contact_replied",
    "contribution_approved",  # the answer to a directory proposal (moderation.py)
    "contribution_rejected",
)
# What a place's managers are told of (``manager_booking``, ``managers.py``).
MANAGER_EVENTS = ("booking_confirmed", "booking_requested", "booking_cancelled")
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
DEFAULT_LANGUAGE = "fr"
ICS_MIMETYPE = "text/calendar; charset=utf-8; method=REQUEST"
ICS_CANCEL_MIMETYPE = "text/calendar; charset=utf-8; method=CANCEL"

Attachment = tuple[str, str, bytes]


def normalize_language(language: str | None) -> str:
    """``"en"``, ``"en-GB"`` or ``"EN_us"`` give ``"en"``; anything unknown gives French."""
    code = (language or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code in LOCALES else DEFAULT_LANGUAGE


def _instant(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


@cache
def _environment(language: str) -> Environment:
    locale = LOCALES[language]
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / language),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Aware datetimes keep their own offset: the time shown is the one the person wrote.
    env.filters["instant"] = _instant
    env.filters["date_long"] = lambda v: format_date(_instant(v).date(), "full", locale=locale)
    env.filters["time_short"] = lambda v: format_time(_instant(v), "short", locale=locale)
    env.filters["datetime_long"] = lambda v: format_datetime(_instant(v), "long", locale=locale)
    return env


def _place_url(public_url: str, place_id: str) -> str:
    return f"{public_url.rstrip('/')}/places/{quote(str(place_id), safe='')}"


# The page where a person chooses the kinds of message they get, reached by the signed link
# of every email (gateway/web_pages/email_preferences.py).
PREFERENCES_PATH = "/preferences-email"


def _unsubscribe_url(public_url: str, email: str, token: str = "", topic: str = "bookings") -> str:
    """The one-click link of a message of kind ``topic``: it stops that kind only
    (``preferences.TOPICS``); its ``List-Unsubscribe`` too (RFC 8058)."""
    query = {"email": email, **({"token": token} if token else {}), "kind": topic}
    return f"{public_url.rstrip('/')}/unsubscribe?{urlencode(query)}"


def preferences_url(unsubscribe_url: str) -> str:
    """The preferences page for the address of an unsubscribe link (the same signed token)."""
    parts = urlsplit(unsubscribe_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k in ("email", "token")]
    return urlunsplit((parts.scheme, parts.netloc, PREFERENCES_PATH, urlencode(query), ""))


def render(kind: str, language: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) for one kind of message; unknown kinds raise ``KeyError``."""
    if kind not in KINDS:
        raise KeyError(f"unknown message kind {kind!r}: one of {', '.join(KINDS)}")
    env = _environment(normalize_language(language))
    context = {"place_card": None, "unsubscribe_url": "", "preferences_url": "", **context}
    if context["unsubscribe_url"] and not context["preferences_url"]:
        context["preferences_url"] = preferences_url(context["unsubscribe_url"])
    if "place_url" not in context and context.get("public_url") and context.get("place_id"):
        context["place_url"] = _place_url(context["public_url"], context["place_id"])
    try:
        subject, text, html = (
            env.get_template(f"{kind}.{part}.j2").render(context)
            for part in ("subject", "txt", "html")
        )
    except TemplateNotFound as exc:
        raise KeyError(f"no template {exc.name} for {kind!r}") from None
    return one_line(subject), text, html


LOOKS_LIKE_ADDRESS = frozenset("@<>")


def one_line(text: str) -> str:
    """Text safe in any header: one line, no control or format characters, and no RFC 2047
    encoded-word (mail software would decode ``=?utf-8?q?a=0D=0AB?=`` back into a line
    break). The contracts refuse such input; this is the last defence for what got by."""
    kept = (
        " " if char.isspace() else char
        for char in str(text)
        if char.isspace() or unicodedata.category(char)[0] != "C" or char in "\u200c\u200d"
    )
    return " ".join("".join(kept).replace("=?", "= ?").split())


def recipient(name: str, email: str) -> Address:
    """``Name <email>``; the bare address when the name cannot be a display name as written
    (an encoded-word, a control character) or looks like an address (``@``, ``<``, ``>``: a
    reader would take it for another recipient): the email must reach the person anyway."""
    username, _, domain = email.rpartition("@")
    safe = one_line(name)
    if safe == " ".join(str(name).split()) and not LOOKS_LIKE_ADDRESS.intersection(safe):
        try:
            return Address(display_name=safe, username=username, domain=domain)
        except (ValueError, IndexError, TypeError):
            pass
    return Address(username=username, domain=domain)


def _split_mimetype(mimetype: str) -> tuple[str, str, dict[str, str]]:
    """``"text/calendar; method=REQUEST"`` -> ``("text", "calendar", {"method": "REQUEST"})``."""
    kind, *raw_params = (part.strip() for part in mimetype.split(";"))
    maintype, _, subtype = kind.partition("/")
    if not maintype or not subtype:
        raise ValueError(f"not a MIME type: {mimetype!r}")
    params = {}
    for raw in filter(None, raw_params):
        key, _, value = raw.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return maintype.lower(), subtype.lower(), params


def build_message(
    *,
    kind: str,
    language: str,
    to: str | Address,
    mail_from: str,
    context: dict,
    unsubscribe_url: str | None,
    attachments: Sequence[Attachment] = (),
    message_id_domain: str = "maillage.local",
) -> EmailMessage:
    """A multipart/alternative (text + HTML) message, multipart/mixed when there are attachments.

    ``unsubscribe_url`` None: a transactional email (a link the person asked for), without
    an unsubscribe link or ``List-Unsubscribe`` headers."""
    language = normalize_language(language)
    subject, text, html = render(
        kind, language, {**context, "unsubscribe_url": unsubscribe_url or ""}
    )

    message = EmailMessage(policy=POLICY)  # URL headers intact on the wire (``headers.py``)
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_rfc5322_date(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, mimetype, payload in attachments:
        maintype, subtype, params = _split_mimetype(mimetype)
        message.add_attachment(
            payload, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    # Last: turning the message multipart moves every Content-* header into the first part.
    message["Content-Language"] = language
    return message


def to_member(
    kind: str,
    member: Any,
    settings: Any,
    secret: bytes,
    topic: str,
    context: dict[str, Any],
    attachments: list[Attachment] | None = None,
) -> EmailMessage:
    """An email to a member known by their contact (``email``, ``name``, ``language``): in
    their language, their name folded to one line in the context (``name``), the one-click
    link (signed with ``secret``) stopping ``topic``."""
    token = token_for(secret, member.email)
    name = " ".join(str(member.name or "").split()) or member.email
    return build_message(
        kind=kind,
        language=member.language,
        to=recipient(name, member.email),
        mail_from=settings.mail_from,
        context={**context, "name": name},
        unsubscribe_url=_unsubscribe_url(
            settings.public_url.rstrip("/"), member.email, token, topic=topic
        ),
        attachments=attachments or [],
        message_id_domain=_domain_of(settings.mail_from),
    )


def _domain_of(address: str, default: str = "maillage.local") -> str:
    _, _, domain = parseaddr(address)[1].rpartition("@")
    return domain or default


def booking_confirmed_message(
    data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """The confirmation sent to the person who booked, in their language, with the invitation."""
    public_url = public_url.rstrip("/")
    name = " ".join(str(data["name"]).split())
    to = recipient(name, data["email"])
    invitation = booking_invitation(data, organizer_email=parseaddr(mail_from)[1])
    return build_message(
        kind="booking_confirmed",
        language=data.get("language") or DEFAULT_LANGUAGE,
        to=to,
        mail_from=mail_from,
        context={**data, "name": name, "public_url": public_url},
        unsubscribe_url=_unsubscribe_url(public_url, data["email"], unsubscribe_token),
        attachments=[("invitation.ics", ICS_MIMETYPE, invitation)],
        message_id_domain=_domain_of(mail_from),
    )


def booking_cancelled_message(
    data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """The cancellation sent to the person who booked, in their language, with the ``.ics``
    ``METHOD:CANCEL`` that removes the invitation from their calendar: the confirmation's
    UID, the event's ``sequence`` (higher than the confirmation's 0)."""
    public_url = public_url.rstrip("/")
    name = " ".join(str(data["name"]).split())
    # A request withdrawn before the place answered was never in the person's calendar.
    previous = data.get("previous_status") or "confirmed"
    cancel = booking_invitation(
        data,
        organizer_email=parseaddr(mail_from)[1],
        sequence=max(int(data.get("sequence") or 1), 1),
        method="CANCEL",
    )
    attachments = (
        [] if previous == "awaiting_approval" else [("cancel.ics", ICS_CANCEL_MIMETYPE, cancel)]
    )
    return build_message(
        kind="booking_cancelled",
        language=data.get("language") or DEFAULT_LANGUAGE,
        to=recipient(name, data["email"]),
        mail_from=mail_from,
        context={**data, "name": name, "public_url": public_url},
        unsubscribe_url=_unsubscribe_url(public_url, data["email"], unsubscribe_token),
        attachments=attachments,
        message_id_domain=_domain_of(mail_from),
    )


def booking_answer_message(
    kind: str, data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """A request awaiting the place's approval, to the person: received
    (``booking_requested``), or refused with the place's reason (``booking_rejected``). No
    invitation: only the approval (the usual confirmation) puts it in their calendar."""
    if kind not in ("booking_requested", "booking_rejected"):
        raise KeyError(f"not an answer to a request: {kind!r}")
    return _to_booker(kind, data, mail_from, public_url, unsubscribe_token)


def waitlist_message(
    kind: str, data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """The waitlist's emails, to the person waiting: on the list (``booking_waitlisted``,
    with its one-click leave link) or a seat offered (``booking_offered``: accept by
    ``expires_at``, or leave). The links carry the booking's signed tokens; no sign-in."""
    if kind not in ("booking_waitlisted", "booking_offered"):
        raise KeyError(f"not a waitlist email: {kind!r}")
    public_url = public_url.rstrip("/")
    name = " ".join(str(data["name"]).split())
    links = {
        "leave_url": f"{public_url}/waitlist/leave?{urlencode({'token': data['leave_token']})}"
    }
    if kind == "booking_offered":
        links["accept_url"] = (
            f"{public_url}/waitlist/accept?{urlencode({'token': data['accept_token']})}"
        )
    return build_message(
        kind=kind,
        language=data.get("language") or DEFAULT_LANGUAGE,
        to=recipient(name, data["email"]),
        mail_from=mail_from,
        context={**data, **links, "name": name, "public_url": public_url},
        unsubscribe_url=_unsubscribe_url(public_url, data["email"], unsubscribe_token),
        message_id_domain=_domain_of(mail_from),
    )


def booking_series_message(
    kind: str, data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """One email for a whole series (``booking_series_confirmed``: every date booked and
    those skipped, the ``.ics`` REQUEST with its RRULE and EXDATEs; ``_cancelled``: the dates
    cancelled, the ``.ics`` CANCEL with the series' UID and a higher SEQUENCE)."""
    public_url = public_url.rstrip("/")
    name = " ".join(str(data["name"]).split())
    cancel = kind == "booking_series_cancelled"
    ics = series_invitation(
        data,
        organizer_email=parseaddr(mail_from)[1],
        sequence=int(data.get("sequence") or 0),
        method="CANCEL" if cancel else "REQUEST",
    )
    attachment = (
        ("cancel.ics", ICS_CANCEL_MIMETYPE, ics)
        if cancel
        else ("invitation.ics", ICS_MIMETYPE, ics)
    )
    return build_message(
        kind=kind,
        language=data.get("language") or DEFAULT_LANGUAGE,
        to=recipient(name, data["email"]),
        mail_from=mail_from,
        context={**data, "name": name, "public_url": public_url},
        unsubscribe_url=_unsubscribe_url(public_url, data["email"], unsubscribe_token),
        attachments=[attachment],
        message_id_domain=_domain_of(mail_from),
    )


def manager_booking_message(
    event: str,
    data: dict,
    *,
    manager_name: str,
    manager_email: str,
    language: str,
    mail_from: str,
    public_url: str,
    unsubscribe_token: str = "",
) -> EmailMessage:
    """To a manager of the place, in their language: a booking made (``booking_confirmed``),
    a request to approve (``booking_requested``, with the link to the place's planning where
    it is approved) or a booking cancelled (``booking_cancelled``), naming the person. No
    invitation: the booking is not the manager's appointment."""
    if event not in MANAGER_EVENTS:
        raise KeyError(f"not told to managers: {event!r}")
    public_url = public_url.rstrip("/")
    manager_name = " ".join(str(manager_name).split())
    planning = f"{_place_url(public_url, data['place_id'])}/planning"
    return build_message(
        kind="manager_booking",
        language=language,
        to=recipient(manager_name, manager_email),
        mail_from=mail_from,
        context={
            **data,
            "event": event,
            "name": " ".join(str(data["name"]).split()),
            "manager_name": manager_name,
            "public_url": public_url,
            "planning_url": planning,
        },
        unsubscribe_url=_unsubscribe_url(public_url, manager_email, unsubscribe_token),
        message_id_domain=_domain_of(mail_from),
    )


def place_created_message(
    data: dict,
    *,
    to: str,
    mail_from: str,
    public_url: str,
    language: str = "fr",
    unsubscribe_token: str = "",
) -> EmailMessage:
    """Tell the territory coordinator that a place was added to the directory."""
    public_url = public_url.rstrip("/")
    return build_message(
        kind="place_created",
        language=language,
        to=to,
        mail_from=mail_from,
        context={**data, "public_url": public_url},
        unsubscribe_url=_unsubscribe_url(
            public_url, parseaddr(to)[1] or to, unsubscribe_token, topic="directory"
        ),
        message_id_domain=_domain_of(mail_from),
    )


def link_message(kind: str, data: dict, *, mail_from: str, issued_at: str) -> EmailMessage:
    """The email carrying a single-use link the person asked for: confirm their address, sign
    in, or choose a new password. Says how long the link lasts (from when it was issued) and
    until when, in the time written in ``expires_at``."""
    if kind not in LINK_KINDS:
        raise KeyError(f"not a link email: {kind!r}")
    language = normalize_language(data.get("language"))
    name = " ".join(str(data["name"]).split())
    lasts = _instant(data["expires_at"]) - _instant(issued_at)
    return build_message(
        kind=kind,
        language=language,
        to=recipient(name, data["email"]),
        mail_from=mail_from,
        context={
            "name": name,
            "link": data["link"],
            "expires_at": data["expires_at"],
            "valid_for": format_timedelta(
                max(lasts, timedelta(minutes=1)), threshold=2, locale=LOCALES[language]
            ),
        },
        unsubscribe_url=None,
        message_id_domain=_domain_of(mail_from),
    )


def email_change_notice(data: dict, *, mail_from: str, public_url: str) -> EmailMessage:
    """To the address in use (``previous_email``): a change to another address was asked,
    named only by its hint. If it was not them, a new password signs out every session and
    cancels the change. No link that changes anything, no unsubscribe (transactional)."""
    language = normalize_language(data.get("language"))
    name = " ".join(str(data["name"]).split())
    return build_message(
        kind=EMAIL_CHANGE_NOTICE,
        language=language,
        to=recipient(name, data["previous_email"]),
        mail_from=mail_from,
        context={
            "name": name,
            "new_email_hint": data["new_email_hint"],
            "reset_url": f"{public_url.rstrip('/')}/mot-de-passe-oublie",
        },
        unsubscribe_url=None,
        message_id_domain=_domain_of(mail_from),
    )


# Where the person sees and cancels their bookings (gateway/web_pages/my_bookings.py).
MY_BOOKINGS_PATH = "/mes-reservations"


def booking_reminder_message(
    data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """The reminder before a booking (``booking_reminder_due``): what, where, when, the
    appointment's motif and mode, and where to cancel it. No attachment: the invitation is
    in their calendar already."""
    return _to_booker("booking_reminder", data, mail_from, public_url, unsubscribe_token)


def booking_restored_message(
    data: dict, *, mail_from: str, public_url: str, unsubscribe_token: str = ""
) -> EmailMessage:
    """A cancelled booking confirmed again by the place (``booking_restored``), with the
    ``.ics`` REQUEST whose ``sequence`` (above the cancellation's) puts the event back in
    their calendar."""
    invitation = booking_invitation(
        data, organizer_email=parseaddr(mail_from)[1], sequence=int(data["sequence"])
    )
    attachment = ("invitation.ics", ICS_MIMETYPE, invitation)
    return _to_booker(
        "booking_restored", data, mail_from, public_url, unsubscribe_token, [attachment]
    )


def _to_booker(
    kind: str,
    data: dict,
    mail_from: str,
    public_url: str,
    unsubscribe_token: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A booking email to its person, with the link to their bookings."""
    public_url = public_url.rstrip("/")
    name = " ".join(str(data["name"]).split())
    return build_message(
        kind=kind,
        language=data.get("language") or DEFAULT_LANGUAGE,
        to=recipient(name, data["email"]),
        mail_from=mail_from,
        context={
            **data,
            "name": name,
            "public_url": public_url,
            "my_bookings_url": public_url + MY_BOOKINGS_PATH,
        },
        unsubscribe_url=_unsubscribe_url(public_url, data["email"], unsubscribe_token),
        attachments=attachments,
        message_id_domain=_domain_of(mail_from),
    )


def digest_message(
    reader: dict,
    groups: list[dict],
    *,
    language: str,
    mail_from: str,
    public_url: str,
    unsubscribe_token: str = "",
) -> EmailMessage:
    """The weekly digest (``digest.py``): the coming events by place, in the reader's
    language and time zone (``groups``: ``[{place_name, events: [{title, start, end,
    club}]}]``); its one-click link stops the digest only."""
    public_url = public_url.rstrip("/")
    name = " ".join(str(reader["name"]).split())
    return build_message(
        kind="weekly_digest",
        language=language,
        to=recipient(name, reader["email"]),
        mail_from=mail_from,
        context={"name": name, "groups": groups, "public_url": public_url},
        unsubscribe_url=_unsubscribe_url(
            public_url, reader["email"], unsubscribe_token, topic="digests"
        ),
        message_id_domain=_domain_of(mail_from),
    )
