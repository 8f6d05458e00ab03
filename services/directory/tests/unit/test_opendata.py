"""Open data: places as rows of the national schema (validated by frictionless against the
schema file in ../shared, never copied), and the import of such a CSV (mongomock, with the
owners' ``apply_*`` stand-ins)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from bson import ObjectId
from frictionless import Resource, Schema, validate

from contracts.errors import Forbidden, ValidationFailed
from services.common.tests.callers import COORDINATOR, MANAGER
from services.directory import history, opendata
from services.directory.models import ALIAS
from services.directory.rules import opendata as rows
from tests.support import RecordingStager, mongomock_alias

from . import standins

ROOT = Path(__file__).resolve().parents[4]
SCHEMA = ROOT.parent / "shared" / "standards" / "schema-lieux-mediation-numerique.json"
DEMO = sorted((ROOT / "deploy" / "demo").glob("*.json"))

EDGE = {
    "id": "6650c0ffee0000000000000a",
    "name": 'L\'Atelier "Le Fil", Mende | Lozère',
    "commune": "Mende",
    "postal_code": "48000",
    "insee_code": "48095",
    "street_address": "2, rue de l'Épine\n(cour intérieure)",
    "status": "open",
    "location": {"lat": 44.5181, "lon": 3.5006},
    "kinds": ["coworking", "fablab", "france_services", "digital_mediation"],
    "opening_hours": "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
    "contact": {
        "phone": "04 66 00 00 00",
        "emails": ["contact@atelier.example.org", "fablab@atelier.example.org"],
        "website": "https://atelier.example.org/",
    },
    "summary": "Café, ateliers « numérique » et fablab ; « entrée libre », virgules, etc.",
    "description": 'Sur deux lignes,\navec des "guillemets".',
    "siret": "12345678901234",
}
BARE = {  # only what a project noted by a coordinator has
    "id": "6650c0ffee0000000000000b",
    "name": "Projet à Nyons",
    "commune": "Nyons",
    "postal_code": "26110",
    "status": "project",
    "location": {"lat": 44.36, "lon": 5.14},
    "opening_hours": "n'importe quand",  # not OSM: never exported
    "contact": {"phone": "12"},
}


def as_csv(table: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows.COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()


def national_errors(text: str) -> list[str]:
    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    resource = Resource(data=text.encode(), format="csv", encoding="utf-8", schema=schema)
    report = validate(resource)
    return [error.message for task in report.tasks for error in task.errors]


def demo_places() -> list[dict]:
    found = []
    for path in DEMO:
        for n, place in enumerate(json.loads(path.read_text())["places"]):
            found.append({**place, "id": f"{path.stem}-{n}"})
    return found


def test_the_schema_is_read_from_shared_not_copied():
    assert SCHEMA.is_file()
    assert not list(ROOT.glob("**/schema-lieux-mediation-numerique.json"))


def test_demo_places_and_edge_cases_pass_the_national_schema():
    table = [rows.place_row(p) for p in [*demo_places(), EDGE, BARE]]
    assert len(table) > 5
    assert national_errors(as_csv(table)) == []


def test_the_validation_catches_a_broken_row():
    broken = {**rows.place_row(EDGE), "code_postal": "4800", "pivot": ""}
    assert len(national_errors(as_csv([broken]))) == 2


def test_a_place_as_a_row():
    row = rows.place_row(EDGE)
    assert row["typologie"] == "FABLAB|RFS|TIERS_LIEUX"
    assert row["telephone"] == "+33466000000"
    assert row["courriels"] == "contact@atelier.example.org|fablab@atelier.example.org"
    assert row["horaires"] == EDGE["opening_hours"]
    assert (
        row["pivot"] == "12345678901234" and row["adresse"] == "2, rue de l'Épine (cour intérieure)"
    )
    bare = rows.place_row(BARE)
    assert bare["pivot"] == rows.NO_PIVOT and bare["adresse"] == "Nyons"
    assert bare["horaires"] == "" and bare["telephone"] == "" and bare["typologie"] == ""


def test_a_row_as_a_feature():
    feature = rows.feature(rows.place_row(EDGE))
    assert feature["geometry"] == {"type": "Point", "coordinates": [3.5006, 44.5181]}
    assert feature["properties"]["nom"] == EDGE["name"]
    assert rows.feature({**rows.place_row(EDGE), "latitude": ""}) is None


# -- import --------------------------------------------------------------------------------
@pytest.fixture
def database():
    with mongomock_alias(ALIAS) as db:
        yield db


@pytest.fixture
def calls(monkeypatch):
    return standins.install(monkeypatch)


def import_(text, who=COORDINATOR, key="imp-1"):
    return opendata.import_places(text, key, RecordingStager("directory"), who)


IMPORTED = {
    **dict.fromkeys(rows.COLUMNS, ""),
    "id": "structure-1",
    "pivot": "43493312300029",
    "nom": "Médiathèque de Florac",
    "commune": "Florac Trois Rivières",
    "code_postal": "48400",
    "adresse": "1 place de l'Église",
    "latitude": "44.3245",
    "longitude": "3.5936",
    "typologie": "BIB|TIERS_LIEUX",
    "horaires": "Tu-Sa 10:00-12:00",
    "services": "Maîtrise des outils numériques du quotidien",
    "date_maj": "2024-04-02",
}


def test_an_import_creates_then_changes_nothing_then_updates(database, calls):
    text = as_csv([IMPORTED])
    assert import_(text) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": []}
    place = database.places.find_one()
    assert place["name"] == "Médiathèque de Florac" and place["siret"] == "43493312300029"
    assert sorted(place["kinds"]) == ["community_hub", "digital_mediation"]
    assert import_(text, key="imp-2") == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "rejected": [],
    }
    assert database.places.count_documents({}) == 1
    changed = as_csv([{**IMPORTED, "horaires": "Tu-Sa 09:00-12:00"}])
    assert import_(changed, key="imp-3")["updated"] == 1
    assert database.places.find_one()["opening_hours"] == "Tu-Sa 09:00-12:00"
    changes = history.history_of("place", str(place["_id"]))
    assert [c["action"] for c in changes] == ["import", "import"]
    assert {"opening_hours": ["Tu-Sa 10:00-12:00", "Tu-Sa 09:00-12:00"]} in [
        c["changes"] for c in changes
    ]
    assert [c[0] for c in calls] == ["apply_create", "apply_update"]


def test_an_export_imported_again_changes_nothing(database, calls):
    import_(as_csv([IMPORTED]))
    exported = opendata.export_rows({})
    assert import_(as_csv(exported), key="imp-2")["unchanged"] == 1
    assert database.places.count_documents({}) == 1


def test_rejected_rows_are_reported_with_line_column_and_why(database, calls):
    text = as_csv(
        [
            {**IMPORTED, "id": "a", "nom": ""},
            {**IMPORTED, "id": "b", "code_postal": "123"},
            {**IMPORTED, "id": "c", "latitude": ""},
            {**IMPORTED, "id": "d", "horaires": "whenever"},
            {**IMPORTED, "id": "e"},
        ]
    )
    report = import_(text)
    assert report["created"] == 1
    assert [(r["row"], r["field"]) for r in report["rejected"]] == [
        (2, "nom"),
        (3, "code_postal"),
        (4, "latitude"),
        (5, "horaires"),
    ]


def test_only_coordinators_import_and_the_columns_are_checked(database, calls):
    with pytest.raises(Forbidden):
        import_(as_csv([IMPORTED]), who=MANAGER)
    with pytest.raises(ValidationFailed):
        import_("nom,commune\nA,B\n")


def test_the_export_follows_the_filters(database):
    for name, status in (("Riez", "open"), ("Nyons", "project")):
        database.places.insert_one(
            {
                "_id": ObjectId(),
                "name": name,
                "commune": name,
                "postal_code": "04500",
                "status": status,
                "location": {"type": "Point", "coordinates": [6.09, 43.81]},
            }
        )
    assert [r["nom"] for r in opendata.export_rows({})] == ["Nyons", "Riez"]
    assert [r["nom"] for r in opendata.export_rows({"status": "project"})] == ["Nyons"]
