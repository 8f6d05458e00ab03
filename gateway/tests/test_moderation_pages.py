"""The moderation pages (web_pages/moderation.py): propose, my proposals, the coordinator's
queue with duplicates and decisions, a record's history, open data; without JavaScript
(POST then 303), French by default, English available."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from contracts.errors import Forbidden, ValidationFailed

from .fakes import Member, accounts_client, member, remote, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PENDING = {
    "id": "c1",
    "type": "place",
    "target_id": None,
    "fields": {"name": "La Grange", "commune": "Riez", "kinds": ["fablab"]},
    "note": "Ouvert le mardi",
    "status": "pending",
    "name": "La Grange",
    "submitted_by": "m1",
    "submitted_at": "2026-11-26T06:00:00+00:00",
    "decided_by": None,
    "decided_at": None,
    "reason": None,
    "record_id": None,
    "duplicates": [{"kind": "place", "id": "p9", "name": "La grange", "why": "same_name_nearby"}],
}
CHANGE = {
    "action": "updated",
    "by": "m2",
    "at": "2026-11-26T06:00:00+00:00",
    "changes": {"opening_hours": ["Mo 09:00-12:00", "Mo-Fr 09:00-12:00"]},
    "contribution_id": "c1",
}


@pytest.fixture
def people():
    fake = site_fake(
        **{
            "directory.submit_contribution": PENDING,
            "directory.my_contributions": [{**PENDING, "status": "rejected", "reason": "Déjà là"}],
            "directory.list_contributions": [PENDING],
            "directory.approve_contribution": {**PENDING, "status": "approved"},
            "directory.reject_contribution": {**PENDING, "status": "rejected"},
            "directory.record_history": [CHANGE],
            "directory.import_places": {
                "created": 2,
                "updated": 0,
                "unchanged": 1,
                "rejected": [{"row": 4, "field": "code_postal", "message": "bad"}],
            },
        }
    )
    api, _, _ = accounts_client(fake)
    found = {
        "thierry": member(api, "thierry@example.org", "Thierry", browser=True),
        "colette": member(
            api, "colette@example.org", "Colette", roles=("coordinator",), browser=True
        ),
    }
    return api, fake, found


def post(who: Member, path: str, fields: list[tuple[str, str]]):
    body = urlencode([("csrf_token", who.csrf), *fields])
    return who.client.post(path, content=body.encode(), headers=FORM, follow_redirects=False)


def calls(fake, method):
    return [c.args for c in fake.domain_calls() if c.method == method]


def test_the_form_asks_to_sign_in_first(people):
    api, _, _ = people
    answer = api.get("/proposer?type=actor", follow_redirects=False)
    assert answer.status_code == 303 and "connexion" in answer.headers["location"]


def test_a_member_proposes_a_place_with_its_kinds(people):
    _, fake, found = people
    page = found["thierry"].client.get("/proposer")
    assert page.status_code == 200 and "Proposer un lieu" in page.text
    assert len(page.content) < 60_000
    fields = [
        ("type", "place"),
        ("name", "La Grange"),
        ("commune", "Riez"),
        ("postal_code", "04500"),
        ("status", "open"),
        ("lat", "43,82"),
        ("lon", "6.09"),
        ("kinds", "fablab"),
        ("kinds", "coworking"),
        ("website", "https://grange.example.org"),
        ("note", "Ouvert le mardi"),
    ]
    sent = post(found["thierry"], "/proposer", fields)
    assert sent.status_code == 303 and sent.headers["location"] == "/mes-propositions"
    [(payload, _key)] = calls(fake, "submit_contribution")
    assert payload["fields"]["location"] == {"lat": 43.82, "lon": 6.09}
    assert payload["fields"]["kinds"] == ["fablab", "coworking"]
    assert payload["fields"]["contact"] == {"website": "https://grange.example.org"}
    assert payload["note"] == "Ouvert le mardi" and "target_id" not in payload


def test_an_edit_sends_only_what_was_filled_in(people):
    _, fake, found = people
    fields = [("type", "place"), ("cible", "p1"), ("opening_hours", "Mo-Fr 09:00-12:00")]
    assert post(found["thierry"], "/proposer", fields).status_code == 303
    [(payload, _key)] = calls(fake, "submit_contribution")
    assert payload == {
        "type": "place",
        "target_id": "p1",
        "fields": {"opening_hours": "Mo-Fr 09:00-12:00"},
    }


def test_the_directory_s_refusal_is_shown_beside_its_field(people):
    _, fake, found = people
    refusal = ValidationFailed(
        "invalid", errors=[{"field": "fields.postal_code", "message": "5 chiffres"}]
    )
    fake.script["directory", "submit_contribution"] = remote("directory", refusal)
    fields = [("type", "place"), ("name", "X"), ("lat", "43"), ("lon", "6")]
    page = post(found["thierry"], "/proposer", fields)
    assert page.status_code == 422
    assert 'id="proposition-cp-erreur">5 chiffres' in page.text
    wrong = post(found["thierry"], "/proposer", [("type", "place"), ("lat", "nord")])
    assert wrong.status_code == 422 and 'id="proposition-lat-erreur"' in wrong.text


def test_my_proposals_show_the_reason(people):
    _, _, found = people
    page = found["thierry"].client.get("/mes-propositions")
    assert "Refusée" in page.text and "Déjà là" in page.text


def test_the_queue_flags_duplicates_and_decides(people):
    _, fake, found = people
    page = found["colette"].client.get("/moderation")
    assert page.status_code == 200
    assert "Doublon possible" in page.text and "même nom à moins de 2 km" in page.text
    assert "Fablab" in page.text and "Ouvert le mardi" in page.text
    approved = post(
        found["colette"], "/moderation/decision", [("action", "approve"), ("contribution_id", "c1")]
    )
    assert approved.status_code == 303
    rejected = post(
        found["colette"],
        "/moderation/decision",
        [("action", "reject"), ("contribution_id", "c1"), ("reason", "  Déjà   dans l'annuaire ")],
    )
    assert rejected.status_code == 303
    assert calls(fake, "reject_contribution")[0][1] == {"reason": "Déjà dans l'annuaire"}
    assert [args[0] for args in calls(fake, "approve_contribution")] == ["c1"]


def test_the_queue_is_refused_to_a_plain_member(people):
    _, fake, found = people
    fake.script["directory", "list_contributions"] = remote("directory", Forbidden("no"))
    page = found["thierry"].client.get("/moderation")
    assert page.status_code == 403 and "réservée à la coordination" in page.text


def test_a_record_s_history_in_english(people):
    _, fake, found = people
    found["colette"].client.cookies.set("maillage_lang", "en")
    page = found["colette"].client.get("/places/p1/historique", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Mo-Fr 09:00-12:00" in page.text
    assert calls(fake, "record_history") == [("place", "p1")]


def test_open_data_links_for_all_and_the_import_for_coordinators(people):
    api, fake, found = people
    public = api.get("/donnees-ouvertes")
    assert "/api/places.csv" in public.text and "import-csv" not in public.text
    page = found["colette"].client.get("/donnees-ouvertes")
    assert 'id="import-csv"' in page.text
    report = post(found["colette"], "/donnees-ouvertes/import", [("csv", "id,nom\nx,Riez\n")])
    assert report.status_code == 200
    assert "2 créés, 0 mis à jour, 1 inchangés, 1 refusés" in report.text
    assert "code_postal" in report.text
    assert calls(fake, "import_places")[0][0] == "id,nom\nx,Riez\n"
