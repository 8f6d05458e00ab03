"""``/api/clubs`` (routers/clubs.py)."""

from __future__ import annotations

from .fakes import FakeRpc, client, is_problem


def test_list_clubs_asks_the_clubs_service():
    clubs = [{"id": "c1", "name": "Tricot", "place_id": "p1"}]
    fake = FakeRpc(script={("clubs", "list_clubs"): clubs})
    response = client(fake).get("/api/clubs")
    assert response.status_code == 200
    assert response.json()[0]["name"] == "Tricot"
    assert [(c.service, c.method, c.args) for c in fake.domain_calls()] == [
        ("clubs", "list_clubs", ())
    ]


def test_a_territory_without_clubs_answers_503_naming_it():
    fake = FakeRpc(down={"clubs"})
    body = is_problem(client(fake).get("/api/clubs"), 503, "service_unavailable")
    assert body["service"] == "clubs"
