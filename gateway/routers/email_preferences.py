"""The member's choice of the kinds of message they receive (notifications): the same
preferences as the page reached by the signed link of every email, here signed in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from contracts.notifications import EmailPreferencesIn, EmailPreferencesOut

from ..deps import IdempotencyKey, MemberDep, ServicesDep

router = APIRouter(prefix="/me", tags=["me"])

SIGNED_IN = {401: {"description": "Not signed in (no session, no API token)"}}


@router.get("/email-preferences", response_model=EmailPreferencesOut, responses=SIGNED_IN)
def my_email_preferences(identity: MemberDep, services: ServicesDep) -> dict[str, Any]:
    """Which kinds of message I receive at my address: ``bookings``, ``clubs``,
    ``directory``, ``digests`` (the weekly digest, off until asked for), ``announcements``.
    What I ask for myself (a booking I make, a sign-in link) comes whatever I choose here."""
    return services.call("notifications", "my_email_preferences")


@router.put("/email-preferences", response_model=EmailPreferencesOut, responses=SIGNED_IN)
def set_my_email_preferences(
    body: EmailPreferencesIn, identity: MemberDep, services: ServicesDep, key: IdempotencyKey
) -> dict[str, Any]:
    """Turn kinds of message on (true) or off (false); the kinds not named keep their value.
    Turning any on lifts a "stop everything" asked from an email's link."""
    kinds = {str(kind): value for kind, value in body.kinds.items()}
    return services.call("notifications", "set_my_email_preferences", kinds, key)
