"""The contact projection's ordering rule on a real database (SecantusDB): mongomock keeps
microseconds in dates, a BSON date only milliseconds, which is where the rule once broke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.common.db import connect, disconnect
from services.notifications import commands
from services.notifications.models import ALIAS, Contact


@pytest.fixture(autouse=True)
def database(mongo_uri, territory):
    yield connect(ALIAS, mongo_uri, f"{territory}_notifications")
    disconnect(ALIAS)


def member_event(event_type: str, occurred: datetime, **data) -> dict:
    values = {"member_id": "m-1", "email": "m@example.org", "name": "M", "language": "fr"}
    return {"type": event_type, "occurred_at": occurred.isoformat(), "data": {**values, **data}}


def test_a_newer_member_event_in_the_same_millisecond_still_applies():
    # A BSON date keeps milliseconds: compared as dates, these two would be equal and the
    # newer one dropped (the contact kept its old address).
    first = datetime(2030, 1, 7, 9, 0, 0, 123_400, tzinfo=UTC)
    assert commands.keep_contact(member_event("member_registered", first)) is True
    newer = member_event("member_updated", first + timedelta(microseconds=500), language="en")
    assert commands.keep_contact(newer) is True
    assert Contact.objects.first().language == "en"


def test_an_older_member_event_arriving_late_changes_nothing_even_in_the_same_millisecond():
    first = datetime(2030, 1, 7, 9, 0, 0, 123_400, tzinfo=UTC)
    newer = member_event("member_updated", first + timedelta(microseconds=500), language="en")
    older = member_event("member_registered", first)
    assert commands.keep_contact(newer) is True
    assert commands.keep_contact(older) is False
    assert commands.keep_contact(older) is False  # redelivered
    [contact] = Contact.objects
    assert contact.language == "en"
    later = member_event("member_updated", first + timedelta(seconds=1), email="n@example.org")
    assert commands.keep_contact(later) is True
    assert Contact.objects.first().email == "n@example.org"
