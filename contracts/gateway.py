"""The gateway's contract: it owns accounts, and tells the services about members.

The gateway is no nameko service (it is not in ``contracts.OWNERS`` and has no RPC of its
own); it publishes these events to ``gateway.events`` like any other source. Links in the
``*_requested`` events carry a single-use token: only notifications consumes them, to email
the person who asked.
"""

from __future__ import annotations

from .events import EventData

SOURCE = "gateway"


class MemberRegistered(EventData):
    """A member confirmed their address: the account exists."""

    member_id: str
    email: str
    name: str
    language: str = "fr"
    # The member's time zone (IANA name): the times of their emails (digests) are shown in it.
    timezone: str = "Europe/Paris"


class MemberUpdated(EventData):
    """The profile changed. ``previous_email``: the address they had, when this change is of
    their address (confirmed by following a link sent to the new one); booking then gives
    them the bookings made for the old address."""

    member_id: str
    email: str
    name: str
    language: str = "fr"
    previous_email: str | None = None
    timezone: str = "Europe/Paris"


class MemberErased(EventData):
    """Every service erases or anonymises what it holds about this member (GDPR art. 17).
    ``email``: their address, for what names them by address only (a booking made before they
    had an account, or by a facilitator for them; the emails sent to them). Sent once; the
    gateway's outbox then drops it, as it drops every sent event's data."""

    member_id: str
    email: str


class LinkRequested(EventData):
    """An email with a single-use link: confirm an address, sign in, or reset a password."""

    email: str
    name: str
    language: str = "fr"
    link: str
    expires_at: str  # ISO 8601 with an offset


class EmailConfirmationRequested(LinkRequested):
    pass


class SignInLinkRequested(LinkRequested):
    pass


class PasswordResetRequested(LinkRequested):
    pass


class EmailChangeRequested(LinkRequested):
    """A member asked to change their address: ``email`` is the new one, where the link goes
    (the change is made when it is followed); ``previous_email``, the current one, gets a
    notice that a change was asked (a change asked from a stolen session is seen), naming
    the new address only by ``new_email_hint`` (``v•••@example.org``). Not emitted when the
    new address is already taken."""

    previous_email: str
    new_email_hint: str


class PlaceManagersChanged(EventData):
    """Who manages a place now: every member id holding ``manager`` of ``place_id``, emitted
    after a grant or removal of that role and after the erasure of one of them (an empty list
    when nobody does). ``version`` grows for each change of that place (a counter at the
    gateway, taken after the change and before the list is read): the event with the highest
    version holds every change, so a consumer keeps the highest it saw and drops older ones
    arriving late. Notifications keeps it to tell managers of bookings."""

    place_id: str
    manager_ids: list[str]
    version: int


EVENTS: dict[str, type[EventData]] = {
    "member_registered": MemberRegistered,
    "member_updated": MemberUpdated,
    "member_erased": MemberErased,
    "email_confirmation_requested": EmailConfirmationRequested,
    "sign_in_link_requested": SignInLinkRequested,
    "password_reset_requested": PasswordResetRequested,
    "email_change_requested": EmailChangeRequested,
    "place_managers_changed": PlaceManagersChanged,
}
