"""A repeated booking in a real Chromium (JavaScript off) against the real platform:
Véronique ticks « Répéter », sees each date (one taken by someone else, and why), books the
others, receives one email listing them with one recurring event (RRULE, the taken date as
EXDATE) in its ``.ics``, then cancels the rest of the series from « Mes réservations » and
receives one cancellation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from playwright.sync_api import expect

from .helpers import OPERATOR, PASSWORD, add_resource, create_place, emails, member, wait_for
from .test_browser import (  # noqa: F401 (browser: a fixture)
    PARIS,
    browser,
    new_page,
    serious_violations,
    shot,
    sign_in,
    signed_in_at,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser):  # noqa: F811 (the fixture imported above)
    page = new_page(browser)
    yield page
    page.context.close()


def calendar_of(message) -> Calendar:
    [ics] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(ics.get_payload(decode=True))


def fill_repeated(page, day: str, until: str) -> None:
    """The first resource's form, 9:00–12:00 on ``day``, every week until ``until``."""
    page.fill("#r1-date", day)
    page.fill("#r1-start", "09:00")
    page.fill("#r1-end", "12:00")
    form = page.locator("form:has(#r1-date)")
    form.get_by_text("Répéter", exact=True).first.click()  # <details>, no script
    page.select_option("#r1-repeat", "weekly")
    page.fill("#r1-until", until)


def test_veronique_repeats_a_booking_skips_a_taken_date_and_cancels_the_rest(
    api,
    verdon,
    page,
    browser,  # noqa: F811 (the fixture imported above)
):
    place = create_place(api, name=f"Lieu des séries {uuid.uuid4().hex[:4]}")
    room = add_resource(
        api, place["id"], {"name": "Salle de l'atelier", "kind": "meeting_room", "seats": 1}
    )
    first = (datetime.now(UTC) + timedelta(days=8)).date()
    dates = [first + timedelta(weeks=n) for n in range(3)]
    taken = datetime(dates[1].year, dates[1].month, dates[1].day, 9, tzinfo=PARIS)
    someone = {
        "resource_id": room["id"],
        "start": taken.isoformat(),
        "end": (taken + timedelta(hours=3)).isoformat(),
        "name": "Quelqu'un",
        "email": "q@example.org",
    }
    assert api.post("/api/bookings", json=someone, headers=OPERATOR).status_code == 201
    veronique = member(verdon, api, "Véronique Répète")

    signed_in_at(page, verdon.url, veronique.email, PASSWORD, f"/places/{place['id']}")
    fill_repeated(page, first.isoformat(), dates[2].isoformat())
    shot(page, "serie-formulaire")
    page.get_by_role("button", name="Confirmer la réservation").click()

    # The preview: every date, the taken one with why; nothing booked yet.
    expect(page.locator("h1")).to_have_text("Vérifiez les dates")
    rows = page.locator("ul.series-dates li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Réservable")
    expect(rows.nth(1)).to_contain_text("Impossible")
    expect(rows.nth(1)).to_contain_text("Plus de place disponible")
    expect(rows.nth(2)).to_contain_text("de 9 h à 12 h")
    assert api.get("/api/me/bookings", headers=veronique.headers).json() == []
    shot(page, "serie-apercu")

    def previewed(other):
        sign_in(other, veronique.email, PASSWORD)
        fill_repeated(other, first.isoformat(), dates[2].isoformat())
        other.get_by_role("button", name="Confirmer la réservation").click()
        other.wait_for_selector("ul.series-dates")

    target = f"{verdon.url}/connexion?suite=/places/{place['id']}"
    assert serious_violations(browser, target, "axe-serie-apercu", previewed) == []
    page.get_by_label("réserver les autres dates").check()
    page.get_by_role("button", name="Confirmer les réservations").click()

    page.wait_for_url(verdon.url + "/mes-reservations")
    expect(page.locator(".notice-success")).to_contain_text("réservations répétées")
    head = page.locator("li.series-head")
    expect(head).to_contain_text("Réservation répétée")
    expect(head).to_contain_text("2 dates à venir")
    expect(page.locator("li.in-series")).to_have_count(2)
    shot(page, "serie-mes-reservations")

    def listed(other):
        sign_in(other, veronique.email, PASSWORD)
        other.wait_for_selector("li.series-head")

    target = f"{verdon.url}/connexion?suite=/mes-reservations"
    assert serious_violations(browser, target, "axe-serie-mes-reservations", listed) == []

    def hers(subject: str):
        found = emails(verdon.mail_dir, veronique.email)
        return [m for m in found if str(m["Subject"]).startswith(subject)]

    [confirmed] = wait_for(lambda: hers("Réservations confirmées"))
    assert hers("Réservation confirmée") == []  # no email of each date's own
    text = confirmed.get_body(("plain",)).get_content()
    assert text.count("de 09:00 à 12:00") == 2
    [event] = calendar_of(confirmed).walk("VEVENT")
    assert str(event["LOCATION"]) == place["name"]
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("DTSTART"))
    excluded = {d.dt for d in event["EXDATE"].dts}
    assert [m.date() for m in rule] == dates and {m.date() for m in excluded} == {dates[1]}
    assert all(m.astimezone(PARIS).hour == 9 for m in rule)

    head.get_by_role("button", name="Annuler la suite de la série").click()
    expect(page.locator(".notice-success")).to_contain_text("La suite de la série est annulée")
    for row in page.locator("li.in-series").all():
        expect(row).to_contain_text("Annulée")
    [cancelled] = wait_for(lambda: hers("Série annulée"))
    [instance] = calendar_of(cancelled).walk("VEVENT")
    assert str(instance["UID"]) == str(event["UID"]) and str(instance["STATUS"]) == "CANCELLED"
