"""``/api/contributions``, ``/api/me/contributions``, a record's history, and the open data
routes (``routers/contributions.py``, ``routers/opendata.py``), against the fake RPC."""

from __future__ import annotations

import csv
import io

from contracts.directory import ContributionAlreadyDecided
from tests.samples import PLACE

from .fakes import FakeRpc, client, is_problem, remote

PROPOSAL = {"type": "place", "fields": PLACE}
PROPOSAL_OUT = {
    "id": "c1",
    "type": "place",
    "target_id": None,
    "fields": PLACE,
    "note": None,
    "status": "pending",
    "name": PLACE["name"],
    "submitted_by": "m1",
    "submitted_at": "2026-11-26T06:00:00+00:00",
    "decided_by": None,
    "decided_at": None,
    "reason": None,
    "record_id": None,
    "duplicates": [
        {"kind": "place", "id": "p9", "name": "Tiers-Lieu de Riez", "why": "same_name_nearby"}
    ],
}
ROW = {
    "id": "p1",
    "pivot": "00000000000000",
    "nom": 'L\'Atelier, "Mende"',
    "commune": "Mende",
    "code_postal": "48000",
    "adresse": "Mende",
    "latitude": 44.5,
    "longitude": 3.5,
    "date_maj": "2026-11-26",
    "horaires": "",
}


def calls(fake):
    return [(c.method, c.args) for c in fake.domain_calls()]


def test_a_proposal_is_201_with_its_key_and_duplicates():
    fake = FakeRpc(script={("directory", "submit_contribution"): PROPOSAL_OUT})
    response = client(fake).post(
        "/api/contributions", json=PROPOSAL, headers={"Idempotency-Key": "c-1"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["duplicates"][0]["why"] == "same_name_nearby"
    assert calls(fake) == [("submit_contribution", (PROPOSAL, "c-1"))]


def test_a_proposal_of_an_unknown_type_is_422_before_any_call():
    fake = FakeRpc()
    is_problem(
        client(fake).post("/api/contributions", json={"type": "club", "fields": {"a": 1}}), 422
    )
    assert fake.domain_calls() == []


def test_queue_decisions_and_my_proposals_go_to_the_directory():
    decided = {**PROPOSAL_OUT, "status": "rejected", "reason": "Déjà là"}
    fake = FakeRpc(
        script={
            ("directory", "list_contributions"): [PROPOSAL_OUT],
            ("directory", "approve_contribution"): {**PROPOSAL_OUT, "status": "approved"},
            ("directory", "reject_contribution"): decided,
            ("directory", "my_contributions"): [decided],
            ("directory", "get_contribution"): PROPOSAL_OUT,
        }
    )
    api = client(fake)
    assert api.get("/api/contributions").json() == [PROPOSAL_OUT]
    assert api.get("/api/contributions", params={"status": "rejected"}).status_code == 200
    key = {"Idempotency-Key": "d-1"}
    assert api.post("/api/contributions/c1/approve", headers=key).json()["status"] == "approved"
    rejected = api.post("/api/contributions/c1/reject", json={"reason": "Déjà là"}, headers=key)
    assert rejected.json()["reason"] == "Déjà là"
    assert api.get("/api/me/contributions").json() == [decided]
    assert api.get("/api/contributions/c1").status_code == 200
    assert calls(fake) == [
        ("list_contributions", ("pending",)),
        ("list_contributions", ("rejected",)),
        ("approve_contribution", ("c1", "d-1")),
        ("reject_contribution", ("c1", {"reason": "Déjà là"}, "d-1")),
        ("my_contributions", ()),
        ("get_contribution", ("c1",)),
    ]


def test_a_rejection_needs_a_reason_and_a_decided_proposal_is_409():
    fake = FakeRpc(
        script={
            ("directory", "approve_contribution"): remote(
                "directory", ContributionAlreadyDecided("rejected", status="rejected")
            )
        }
    )
    api = client(fake)
    refused = is_problem(api.post("/api/contributions/c1/reject", json={"reason": ""}), 422)
    assert [e["field"] for e in refused["errors"]] == ["reason"]
    assert fake.domain_calls() == []  # an empty reason never reaches the directory
    decided = is_problem(
        api.post("/api/contributions/c1/approve"), 409, "contribution_already_decided"
    )
    assert decided["code"] == "contribution_already_decided"
    assert [c.method for c in fake.domain_calls()] == ["approve_contribution"]


def test_history_of_places_and_actors():
    entry = {
        "action": "updated",
        "by": "m1",
        "at": "2026-11-26T06:00:00+00:00",
        "changes": {"name": ["A", "B"]},
        "contribution_id": "c1",
    }
    fake = FakeRpc(script={("directory", "record_history"): [entry]})
    api = client(fake)
    assert api.get("/api/places/p1/history").json() == [entry]
    assert api.get("/api/actors/a1/history").status_code == 200
    assert calls(fake) == [("record_history", ("place", "p1")), ("record_history", ("actor", "a1"))]


def test_the_csv_export_quotes_and_forwards_the_filters():
    fake = FakeRpc(script={("directory", "export_places"): [ROW]})
    response = client(fake).get(
        "/api/places.csv",
        params={"status": "open", "kind": ["fablab", "coworking"], "q": "atelier"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(response.text)))[0]["nom"] == ROW["nom"]
    [(_, (filters,))] = calls(fake)
    assert filters == {"q": "atelier", "kind": ["fablab", "coworking"], "status": ["open"]}


def test_the_geojson_export_is_a_feature_collection():
    fake = FakeRpc(
        script={("directory", "export_places"): [ROW, {**ROW, "id": "p2", "latitude": ""}]}
    )
    response = client(fake).get(
        "/api/places.geojson", params={"lat": 44.5, "lon": 3.5, "radius_km": 10}
    )
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == ["p1"]
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [3.5, 44.5]}
    assert "horaires" not in body["features"][0]["properties"]
    [(_, (filters,))] = calls(fake)
    assert filters == {"lat": 44.5, "lon": 3.5, "radius_km": 10.0}


def test_an_export_filter_out_of_range_is_422():
    fake = FakeRpc()
    is_problem(client(fake).get("/api/places.csv", params={"radius_km": 9000}), 422)
    assert fake.domain_calls() == []


def test_the_import_takes_a_csv_body():
    report = {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": [{"row": 3, "field": "nom", "message": "required"}],
    }
    fake = FakeRpc(script={("directory", "import_places"): report})
    text = "id,nom\nx,Riez\n"
    response = client(fake).post(
        "/api/places/import",
        content=text.encode(),
        headers={"Content-Type": "text/csv", "Idempotency-Key": "i-1"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == report
    assert calls(fake) == [("import_places", (text, "i-1"))]
    json_body = client(fake).post("/api/places/import", json={"a": 1})
    is_problem(json_body, 415)
