"""« Chiffres du mois » in Chromium, JavaScript off: the facilitator of a place reads its
month (tables, the SVG bars, the month picker) and downloads the CSV; a member reads the
aggregates, grouped, without the CSV's link; the page in English; axe-core finds nothing
serious on it."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .helpers import OPERATOR, PASSWORD, add_resource, create_place, member

# browser, page: Chromium and a page with JavaScript off, test_browser.py's fixtures.
from .test_browser import (  # noqa: F401
    browser,
    page,
    serious_violations,
    shot,
    sign_in,
    signed_in_at,
)

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def month(api, verdon):
    """A place with two resources; three people booked for by phone in a month ahead (the
    room 2 h + 1 h, the printer 3 h), three audiences, all of Riez; Sandrine manages the
    place, Thierry is a member."""
    place = create_place(api, name=f"Chiffres du navigateur {uuid.uuid4().hex[:4]}")
    room = add_resource(api, place["id"], {"name": "Salle Valensole", "kind": "meeting_room"})
    printer = add_resource(api, place["id"], {"name": "Imprimante 3D", "kind": "equipment"})
    people = {n: member(verdon, api, n) for n in ("Sandrine", "Thierry")}
    grant = {"email": people["Sandrine"].email, "role": "manager", "scope": f"place:{place['id']}"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    day = datetime.now(PARIS).replace(hour=9, minute=0, second=0, microsecond=0)
    day += timedelta(days=12)
    for n, (resource, hour, hours, audience) in enumerate(
        ((room, 9, 2, "retiree"), (room, 14, 1, "student"), (printer, 9, 3, "company"))
    ):
        start = day + timedelta(hours=hour - 9)
        body = {
            "resource_id": resource["id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=hours)).isoformat(),
            "name": f"Personne {n}",
            "phone": f"04 92 77 00 0{n}",
            "audience": audience,
            "commune": "Riez",
        }
        made = api.post("/api/bookings", json=body, headers=OPERATOR)
        assert made.status_code == 201, made.text
    return {"place": place, "month": day.strftime("%Y-%m"), "people": people}


def test_the_facilitator_reads_her_month_and_downloads_the_csv(verdon, page, month):  # noqa: F811
    here = f"/places/{month['place']['id']}/chiffres"
    signed_in_at(page, verdon.url, month["people"]["Sandrine"].email, PASSWORD, here)
    page.fill("#mois", month["month"])
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chiffres du mois")
    expect(page.locator("#chiffre-reservations")).to_have_text("3")
    expect(page.locator("#chiffre-heures")).to_have_text("6")
    expect(page.locator("#chiffre-personnes")).to_have_text("3")
    # The chart: one bar per resource, drawn by the server (no script on this page).
    bars = page.locator("#graphique-occupation rect")
    expect(bars).to_have_count(2)
    assert float(bars.nth(0).get_attribute("width")) > 0
    expect(page.locator("#graphique-occupation title")).to_have_text(
        "Taux d'occupation par ressource"
    )
    # Her place: each audience shown, even of one person.
    expect(page.get_by_role("row", name="Retraité 1")).to_be_visible()
    shot(page, "chiffres-lieu")
    with page.expect_download() as download:
        page.locator("#telecharger-csv").click()
    with open(download.value.path(), encoding="utf-8-sig") as saved:
        text = saved.read()
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert sorted(r["audience"] for r in rows) == ["company", "retiree", "student"]
    assert sum(float(r["hours"].replace(",", ".")) for r in rows) == 6
    assert "Personne" not in text and "04 92" not in text


def test_a_member_reads_the_aggregates_grouped_without_the_csv(verdon, page, month):  # noqa: F811
    here = f"/places/{month['place']['id']}/chiffres?mois={month['month']}"
    page.goto(f"{verdon.url}/connexion?suite=/places/{month['place']['id']}/chiffres")
    sign_in(page, month["people"]["Thierry"].email, PASSWORD)
    page.goto(verdon.url + here)
    expect(page.locator("#chiffre-reservations")).to_have_text("3")
    expect(page.locator("#telecharger-csv")).to_have_count(0)
    # One person of each audience: together; Riez's three people: shown.
    expect(page.get_by_role("row", name="Autres (moins de 3 chacun) 3")).to_be_visible()
    expect(page.get_by_role("row", name="Retraité 1")).to_have_count(0)
    expect(page.get_by_role("row", name="Riez 3")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Figures of the month")
    expect(page.locator("#graphique-publics title")).to_have_text("Visitors by audience type")
    shot(page, "chiffres-lieu-en")


def test_anonymous_is_asked_to_sign_in(verdon, page):  # noqa: F811
    page.goto(verdon.url + "/chiffres")
    assert "/connexion?suite=/chiffres" in page.url


def test_axe_finds_no_serious_violation_on_the_figures(verdon, browser, month):  # noqa: F811
    from tools.demo import DEMO_PASSWORD, load_demo_accounts

    load_demo_accounts(verdon.profile, verdon.mongo_uri)

    def as_admin(page):  # noqa: F811
        sign_in(page, "admin@example.org", DEMO_PASSWORD)
        page.wait_for_load_state("load")

    place = f"/places/{month['place']['id']}/chiffres?mois={month['month']}"
    found = serious_violations(
        browser, f"{verdon.url}/connexion?suite={place}", "axe-chiffres-lieu", as_admin
    )
    found += serious_violations(
        browser, f"{verdon.url}/connexion?suite=/chiffres", "axe-chiffres-territoire", as_admin
    )
    assert found == []
