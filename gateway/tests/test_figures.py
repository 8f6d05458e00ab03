"""The figures' routes and page at the edge (routers/figures.py, web_pages/figures.py), the
booking service faked: what is passed on, the CSV's dialect, the chart's geometry."""

from __future__ import annotations

import csv
import io

from contracts.errors import Forbidden

from .fakes import FakeRpc, accounts_client, is_problem, member, remote

ROW = {
    "date": "2026-11-03",
    "start": "2026-11-03T09:00:00+01:00",
    "end": "2026-11-03T10:30:00+01:00",
    "place_id": "p1",
    "place": "Riez",
    "resource_id": "r1",
    "resource": "Salle « Valensole »; 1er étage",
    "kind": "meeting_room",
    "seats": 1,
    "hours": 1.5,
    "status": "confirmed",
    "audience": "retiree",
    "commune": "Moustiers-Sainte-Marie",
    "channel": "on_behalf",
    "visitor": "V1",
}
ROOM = {
    "resource_id": "r1",
    "place_id": "p1",
    "name": "Salle Valensole",
    "kind": "meeting_room",
    "seats": 1,
    "open_hours": 40.0,
    "open_hours_known": True,
    "hours_booked": 6.0,
    "occupancy": 0.15,
    "bookings": 3,
}
FIGURES = {
    "month": "2026-11",
    "detailed": False,
    "bookings": 3,
    "hours_booked": 6.0,
    "visitors": 2,
    "visitors_by_audience": {"grouped": 2},
    "visitors_by_commune": {"grouped": 1, "unknown": 1},
    "outcomes": {"confirmed": 3, "cancelled": 0},
    "channels": {"online": 2, "on_behalf": 1},
    "place_id": "p1",
    "place_name": "Riez",
    "resources": [ROOM],
}


def test_the_csv_opens_in_a_french_spreadsheet():
    fake = FakeRpc(script={("booking", "figure_rows"): [ROW]})
    api, _, _ = accounts_client(fake)
    manager = member(api, manages=("p1",))
    response = manager.client.get("/api/places/p1/figures.csv?month=2026-11")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="chiffres-p1-2026-11.csv"' in response.headers["content-disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[0].split(";")[:4] == ["date", "start", "end", "place_id"]
    [read] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert read["hours"] == "1,50"  # a decimal comma
    assert read["resource"] == ROW["resource"]  # the ; inside is quoted
    assert [c.args for c in fake.domain_calls()] == [("2026-11", "p1")]


def test_the_territory_csv_and_a_refusal_pass_through():
    fake = FakeRpc(
        script={("booking", "figure_rows"): remote("booking", Forbidden("no", what="figures"))}
    )
    api, _, _ = accounts_client(fake)
    thierry = member(api)
    assert is_problem(thierry.client.get("/api/figures.csv"), 403)["code"] == "forbidden"
    assert [c.args for c in fake.domain_calls()] == [(None, None)]  # the current month


def test_a_month_that_is_no_month_is_refused_at_the_edge():
    api, _, _ = accounts_client(FakeRpc())
    thierry = member(api)
    assert is_problem(thierry.client.get("/api/figures?month=novembre"), 422)


def test_the_page_draws_the_bars_and_offers_the_csv_to_its_managers_only():
    fake = FakeRpc(script={("booking", "place_figures"): FIGURES})
    api, _, _ = accounts_client(fake)
    manager = member(api, "sandrine@example.org", manages=("p1",), browser=True)
    page = manager.client.get("/places/p1/chiffres?mois=2026-11")
    assert page.status_code == 200, page.text
    html = page.text
    # 0.15 of the 300-unit bar: 45 wide; the value as a reader writes it.
    assert 'width="45.0"' in html and "15 %" in html
    assert 'href="/api/places/p1/figures.csv?month=2026-11"' in html
    assert "Autres (moins de 3 chacun)" in html
    thierry = member(api, browser=True)
    assert "figures.csv" not in thierry.client.get("/places/p1/chiffres?mois=2026-11").text
    assert [c.args for c in fake.domain_calls()] == [("p1", "2026-11")] * 2


def test_a_month_typed_wrong_shows_the_current_one():
    fake = FakeRpc(script={("booking", "territory_figures"): {**FIGURES, "places": []}})
    api, _, _ = accounts_client(fake)
    thierry = member(api, browser=True)
    assert thierry.client.get("/chiffres?mois=n'importe").status_code == 200
    [call] = fake.domain_calls()
    assert call.args[0][:2] == "20" and call.args[0][4] == "-"
