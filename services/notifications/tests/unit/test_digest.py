"""The weekly digest: the projection of coming events (clubs' meeting_*/workshop_* of the
shared protocol), who gets it (those who chose it), once per week, in their language and
time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from services.notifications import commands, digest, places
from services.notifications.models import ComingEvent, Contact, Correspondent, Delivery
from services.notifications.rules import token_for

SETTINGS = SimpleNamespace(
    mail_from="Maillage <no-reply@maillage.example>",
    public_url="https://maillage.example",
    default_language="fr",
)
# Monday 30 November 2026, 8:00 in Paris: the digest's time.
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
MARCELINE = "marceline@example.org"


def clubs_event(kind: str, second: int = 1, **data) -> dict:
    base = {
        "place_id": "p1",
        "club_id": "c1",
        "title": "Club WordPress",
        "start": "2026-12-03T09:00:00+01:00",
        "end": "2026-12-03T11:00:00+01:00",
    }
    if kind.startswith("meeting"):
        base["occurrence_id"] = "o1"
    else:
        base.update(workshop_id="w1", club_id=None, title="Atelier réparation")
    return {
        "event_id": f"{kind}-{second}",
        "type": kind,
        "occurred_at": f"2026-11-20T10:00:{second:02d}+00:00",
        "data": {**base, **data},
    }


def choose_digest(email: str = MARCELINE) -> None:
    commands.set_email_preferences(
        email, token_for(commands.link_secret(), email), {"digests": True}
    )


def member(email: str = MARCELINE, language: str = "fr", timezone: str = "Europe/Paris"):
    Contact(
        member_id=email,
        email=email,
        name="Marceline",
        language=language,
        timezone=timezone,
        event_time_us=1,
    ).save()


# -- the projection ---------------------------------------------------------------------------
def test_meetings_and_workshops_scheduled_moved_and_cancelled():
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    digest.keep_from_event(clubs_event("workshop_scheduled"))
    assert sorted(e.item_id for e in ComingEvent.objects) == ["meeting:o1", "workshop:w1"]
    moved = clubs_event("meeting_moved", 2, start="2026-12-04T09:00:00+01:00")
    assert digest.keep_from_event(moved) is True
    start = ComingEvent.objects.get(item_id="meeting:o1").start
    assert start.replace(tzinfo=None) == datetime(2026, 12, 4, 8, 0)
    late = clubs_event("meeting_scheduled", 1)
    assert digest.keep_from_event(late) is False  # older than the move: changes nothing
    digest.keep_from_event(clubs_event("workshop_cancelled", 3))
    assert [e.item_id for e in ComingEvent.objects] == ["meeting:o1"]
    with pytest.raises(KeyError):
        digest.keep_from_event(clubs_event("club_created"))


def test_only_what_starts_within_the_week_is_coming():
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    far = clubs_event(
        "workshop_scheduled", start="2026-12-20T09:00:00+01:00", end="2026-12-20T10:00:00+01:00"
    )
    digest.keep_from_event(far)
    assert [e.item_id for e in digest.coming(MONDAY)] == ["meeting:o1"]


# -- the round ----------------------------------------------------------------------------------
def test_it_goes_once_a_week_to_those_who_chose_it_only():
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    member("Marceline@Example.org")  # as she wrote it
    member("thierry@example.org")  # never chose it: the digest is asked for, not imposed
    choose_digest()
    assert commands.send_weekly_digest(SETTINGS, MONDAY) == 1
    assert commands.send_weekly_digest(SETTINGS, MONDAY.replace(hour=9)) == 0  # same week
    [sent] = Delivery.objects(kind="weekly_digest")
    assert sent.rcpt == MARCELINE and sent.topic == "digests"
    assert sent.id.startswith("digest-2026-W49:weekly_digest:")


def test_not_before_its_day_and_hour_nor_with_nothing_coming():
    member()
    choose_digest()
    assert commands.send_weekly_digest(SETTINGS, MONDAY) == 0  # nothing coming
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    sunday = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
    assert commands.send_weekly_digest(SETTINGS, sunday) == 0
    early = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 6:00 in Paris
    assert commands.send_weekly_digest(SETTINGS, early) == 0
    assert commands.send_weekly_digest(SETTINGS, MONDAY) == 1


def test_someone_without_an_account_who_chose_it_gets_it_in_their_language():
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    Correspondent(email="visitor@example.org", name="Visitor", language="en").save()
    choose_digest("visitor@example.org")
    assert commands.send_weekly_digest(SETTINGS, MONDAY) == 1
    assert Delivery.objects.get(kind="weekly_digest").subject == "This week in the third places"


def test_the_digest_groups_by_place_in_the_reader_s_time_zone():
    places.keep_place(
        {
            "occurred_at": "2026-11-01T00:00:00+00:00",
            "data": {"place_id": "p1", "name": "La Grange", "commune": "Riez"},
        }
    )
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    groups = digest.grouped(digest.coming(MONDAY), "America/Cayenne")
    assert groups[0]["place_name"] == "La Grange"
    assert groups[0]["events"][0]["start"] == "2026-12-03T05:00:00-03:00"
    built = commands.compose.digest_message(
        {"name": "Marceline", "email": MARCELINE},
        digest.grouped(digest.coming(MONDAY), "Europe/Paris"),
        language="fr",
        mail_from=SETTINGS.mail_from,
        public_url=SETTINGS.public_url,
        unsubscribe_token="tok",
    )
    text = built.get_body(("plain",)).get_content()
    assert "La Grange" in text
    assert "- Club WordPress (club) : jeudi 3 décembre 2026, de 09:00 à 11:00" in text
    assert "kind=digests" in built["List-Unsubscribe"]


def test_a_reader_who_turned_it_off_again_gets_nothing():
    digest.keep_from_event(clubs_event("meeting_scheduled"))
    member()
    choose_digest()
    commands.unsubscribe(MARCELINE, token_for(commands.link_secret(), MARCELINE), "digests")
    assert commands.send_weekly_digest(SETTINGS, MONDAY) == 0
