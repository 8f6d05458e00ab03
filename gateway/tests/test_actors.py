"""``/api/actors`` and ``/api/contact-requests`` (routers/actors.py, routers/contacts.py)."""

from __future__ import annotations

from contracts.directory import ActorOut, ContactLimitReached, ContactRefused
from contracts.errors import Forbidden
from gateway import ratelimit

from .fakes import FakeRpc, client, is_problem, remote

ACTOR = {
    "name": "Gîte des Lavandes",
    "trade": "chambres d'hôtes",
    "categories": ["sleep"],
    "commune": "Riez",
    "postal_code": "04500",
    "location": {"lat": 43.82, "lon": 6.095},
    "email": "gite@example.org",
}
# As the directory answers a visitor: the address left out (show_contact false).
ACTOR_OUT = ActorOut.model_validate({"id": "a1", **ACTOR, "email": None}).model_dump(mode="json")
# As the directory sends it: without a point, no ``distance_km`` at all.
ACTOR_RAW = {k: v for k, v in ACTOR_OUT.items() if k != "distance_km"}
PAGE = {"items": [ACTOR_RAW], "total": 1, "page": 1, "per_page": 20}
CONTACT = {
    "target_type": "actor",
    "target_id": "a1",
    "name": "Véronique",
    "email": "veronique@example.org",
    "message": "Bonjour, avez-vous une chambre libre en mars ?",
}
SENT = {
    "id": "c1",
    "target_type": "actor",
    "target_id": "a1",
    "recipient_name": "Gîte des Lavandes",
    "status": "sent",
}
OPERATOR = {"Authorization": "Bearer operator-secret"}


def test_search_forwards_every_filter_and_leaves_out_the_absent():
    fake = FakeRpc(script={("directory", "search_actors"): PAGE})
    api = client(fake)
    params = [
        ("q", "gîte"),
        ("category", "sleep"),
        ("category", "eat"),
        ("commune", "Riez"),
        ("network", "Sud Tiers-Lieux"),
        ("place", "p1"),
        ("lat", "43.8"),
        ("lon", "6.09"),
        ("radius_km", "10"),
        ("page", "2"),
    ]
    response = api.get("/api/actors", params=params)
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["email"] is None
    api.get("/api/actors")
    first, bare = (c.args for c in fake.domain_calls())
    assert first == (
        {
            "q": "gîte",
            "category": ["sleep", "eat"],
            "commune": "Riez",
            "network": ["Sud Tiers-Lieux"],
            "place": "p1",
            "lat": 43.8,
            "lon": 6.09,
            "radius_km": 10.0,
            "page": 2,
            "per_page": 20,
        },
    )
    assert bare == ({"page": 1, "per_page": 20},)


def test_an_unknown_category_is_422_before_any_call():
    fake = FakeRpc()
    body = is_problem(client(fake).get("/api/actors", params={"category": "spa"}), 422)
    assert [e["field"] for e in body["errors"]] == ["query.category.0"]
    assert fake.calls == []


def test_create_read_patch_delete_forward_with_their_key():
    fake = FakeRpc(
        script={
            ("directory", "create_actor"): ACTOR_OUT,
            ("directory", "get_actor"): ACTOR_OUT,
            ("directory", "update_actor"): ACTOR_OUT,
            ("directory", "remove_actor"): {**ACTOR_OUT, "status": "removed"},
        }
    )
    api = client(fake)
    key = {"Idempotency-Key": "k-1"}
    assert api.post("/api/actors", json=ACTOR, headers=key).status_code == 201
    assert api.get("/api/actors/a1").json()["email"] is None
    assert api.patch("/api/actors/a1", json={"summary": None}, headers=key).status_code == 200
    assert api.delete("/api/actors/a1", headers=key).json()["status"] == "removed"
    assert [(c.method, c.args) for c in fake.domain_calls()] == [
        ("create_actor", (ACTOR, "k-1")),
        ("get_actor", ("a1",)),
        ("update_actor", ("a1", {"summary": None}, "k-1")),
        ("remove_actor", ("a1", "k-1")),
    ]


def test_the_directory_refusing_an_edit_is_403():
    fake = FakeRpc(script={("directory", "update_actor"): remote("directory", Forbidden("no"))})
    body = is_problem(client(fake).patch("/api/actors/a1", json={"summary": "x"}), 403, "forbidden")
    assert body["code"] == "forbidden"
    assert [c.method for c in fake.domain_calls()] == ["update_actor"]


def test_contact_request_is_202_and_forwards_the_honeypot_for_the_directory_to_judge():
    fake = FakeRpc(script={("directory", "request_contact"): SENT})
    api = client(fake)
    response = api.post("/api/contact-requests", json=CONTACT, headers={"Idempotency-Key": "c"})
    assert response.status_code == 202 and response.json() == SENT
    refused = remote("directory", ContactRefused("spam", reason="honeypot"))
    fake.script[("directory", "request_contact")] = refused
    body = is_problem(
        api.post("/api/contact-requests", json={**CONTACT, "website": "http://x.example"}),
        422,
        "contact_refused",
    )
    assert body["reason"] == "honeypot"
    sent = [c.args[0] for c in fake.domain_calls()]
    assert "website" not in sent[0] and sent[1]["website"] == "http://x.example"


def test_contact_requests_are_limited_per_sender_address(monkeypatch):
    monkeypatch.setattr(ratelimit, "now", lambda: 1_800_000_000.0 + 7 * 60)  # mid-window
    fake = FakeRpc(script={("directory", "request_contact"): SENT})
    api = client(fake, rate_limit_per_address=2, rate_limit_per_ip=100)
    answers = [api.post("/api/contact-requests", json=CONTACT).status_code for _ in range(3)]
    assert answers == [202, 202, 429]
    other = {**CONTACT, "email": "thierry@example.org"}
    assert api.post("/api/contact-requests", json=other).status_code == 202
    assert len(fake.domain_calls()) == 3  # the refused one never reached the directory
    limited = remote("directory", ContactLimitReached("today", limit=20))
    fake.script[("directory", "request_contact")] = limited
    third = {**CONTACT, "email": "marceline@example.org"}
    is_problem(api.post("/api/contact-requests", json=third), 429, "contact_limit_reached")


def test_contact_stats_are_for_territory_staff():
    rows = [
        {
            "month": "2026-11",
            "target_type": "actor",
            "target_id": "a1",
            "name": "Gîte des Lavandes",
            "requests": 3,
            "replied": 1,
        }
    ]
    fake = FakeRpc(script={("directory", "contact_stats"): rows})
    api = client(fake, admin_token="operator-secret")
    is_problem(api.get("/api/contact-requests/stats"), 401, "authentication_required")
    response = api.get("/api/contact-requests/stats", params={"months": 3}, headers=OPERATOR)
    assert response.status_code == 200 and response.json() == rows
    assert [c.args for c in fake.domain_calls()] == [(3,)]
