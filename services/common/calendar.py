"""What every calendar Maillage writes agrees on, whoever writes it: a booking's UID.

The email invitation (notifications) and the member's subscribed feed (gateway) give a
booking the same UID, so that a calendar app holding both shows one event, not two. Pure:
no service named, nothing imported from one.
"""

from __future__ import annotations

PRODID = "-//Maillage//Maillage//FR"


def booking_uid(booking_id: str) -> str:
    """The UID (RFC 5545 3.8.4.7) of one booking, in every calendar that shows it."""
    return f"booking-{booking_id}@maillage"


def series_uid(series_id: str) -> str:
    """The UID of a series of bookings: one recurring event (RRULE), every occurrence an
    instance of it (RECURRENCE-ID its start), in the email and in the member's feed."""
    return f"series-{series_id}@maillage"


def meeting_uid(occurrence_id: str) -> str:
    """The UID of one meeting of a club (one occurrence of its series)."""
    return f"meeting-{occurrence_id}@maillage"


def workshop_uid(workshop_id: str) -> str:
    """The UID of a workshop or event: the participant's invitation and the agenda feed."""
    return f"workshop-{workshop_id}@maillage"
