"""The lozere and aquitaine profiles as `make run` starts them: the services of
``deploy/territories/<name>.yaml`` and no other, ready, and their demo data loaded once.

One platform per profile (module scope); the demo is loaded twice to check the README's
promise that loading it again creates nothing. The Verdon demo, accounts included: its
facilitator manages the Riez place.
"""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from contracts import SERVICE_NAMES
from tools.demo import DEMO_DIR, DEMO_PASSWORD, account_lines, load_demo
from tools.platform import summary
from tools.profiles import PROFILES_DIR

from .conftest import running
from .helpers import is_problem

PROFILES = ["lozere", "aquitaine"]


def declared(territory: str) -> dict:
    return yaml.safe_load((PROFILES_DIR / f"{territory}.yaml").read_text(encoding="utf-8"))


def demo_data(territory: str) -> dict:
    name = declared(territory)["demo"]
    return json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=PROFILES)
def territory(request, tmp_path_factory):
    with running(request.param, tmp_path_factory) as platform:
        yield platform


@pytest.fixture(scope="module")
def first_load(territory):
    return load_demo(territory.url, territory.profile, territory.admin_token)


def test_capabilities_are_exactly_the_profile_services(territory):
    services = declared(territory.profile.territory)["services"]
    body = httpx.get(f"{territory.url}/api/capabilities", timeout=30).json()
    assert body["territory"] == territory.profile.territory
    assert body["label"] == declared(territory.profile.territory)["label"]
    assert body["services"] == {name: name in services for name in SERVICE_NAMES}


def test_ready_names_the_profile_services(territory):
    response = httpx.get(f"{territory.url}/api/ready", timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["services"] == declared(territory.profile.territory)["services"]


def test_the_demo_loads(territory, first_load):
    data = demo_data(territory.profile.territory)
    runs_booking = "booking" in territory.profile.services
    assert set(first_load.places) == {place["key"] for place in data["places"]}
    expected_resources = {
        f"{place['key']}/{resource['key']}"
        for place in data["places"]
        for resource in place.get("resources", [])
    }
    assert set(first_load.resources) == (expected_resources if runs_booking else set())
    expected_permanences = {
        f"{place['key']}/{permanence['key']}"
        for place in data["places"]
        for permanence in place.get("permanences", [])
    }
    assert set(first_load.permanences) == (expected_permanences if runs_booking else set())
    places = httpx.get(f"{territory.url}/api/places", timeout=30).json()
    assert {p["id"] for p in places} == set(first_load.places.values())
    assert {p["name"] for p in places} == {place["name"] for place in data["places"]}
    # The rest of each record (kinds, hours, networks…) is sent as an edit after the create.
    for place in data["places"]:
        if place.get("details"):
            record = httpx.get(f"{territory.url}/api/places/{first_load.places[place['key']]}")
            details = place["details"]
            shown = record.json()
            assert (shown["kinds"], shown["insee_code"]) == (
                details["kinds"],
                details["insee_code"],
            )
            assert shown["networks"] == details["networks"]
    for key, place_id in first_load.places.items():
        resources = httpx.get(f"{territory.url}/api/places/{place_id}/resources", timeout=30)
        ids = {r["id"] for r in resources.json()}
        assert ids == {rid for rk, rid in first_load.resources.items() if rk.split("/")[0] == key}


def test_loading_the_demo_again_creates_nothing(territory, first_load):
    def listing():
        places = httpx.get(f"{territory.url}/api/places", timeout=30).json()
        return sorted(places, key=lambda place: place["id"])

    before = listing()
    again = load_demo(territory.url, territory.profile, territory.admin_token)
    assert again.counts == first_load.counts
    assert again.places == first_load.places
    assert again.resources == first_load.resources
    assert again.subscriptions == first_load.subscriptions
    assert again.permanences == first_load.permanences
    assert listing() == before


def test_arret_minute_has_its_resident_drop_in_and_training_seats(territory, first_load):
    """Aquitaine's Arrêt Minute: 5 resident + 2 drop-in desks, 1 training desk, and its
    demo residents subscribed this month (issue 8)."""
    if territory.profile.territory != "aquitaine":
        pytest.skip("Arrêt Minute is a place of the Aquitaine demo only")
    ids = first_load.resources
    desks = httpx.get(f"{territory.url}/api/resources/{ids['arret-minute-pomerol/coworking']}")
    assert (desks.json()["seats"], desks.json()["resident_seats"]) == (7, 5)
    training = httpx.get(f"{territory.url}/api/resources/{ids['arret-minute-pomerol/formation']}")
    assert (training.json()["seats"], training.json()["resident_seats"]) == (1, 0)
    listed = httpx.get(
        f"{territory.url}/api/resources/{ids['arret-minute-pomerol/coworking']}/subscriptions",
        headers={"Authorization": f"Bearer {territory.admin_token}"},
    ).json()
    assert sorted(s["id"] for s in listed) == sorted(first_load.subscriptions.values())
    assert len(listed) == 2 and all(s["status"] == "active" for s in listed)


def test_the_demo_needs_the_operator_token(territory):
    with pytest.raises(RuntimeError, match="authentication_required|invalid_token"):
        load_demo(territory.url, territory.profile, "not-the-token")


# --- the Verdon demo: the facilitator manages the Riez place --------------------------------

FACILITATOR = "animation@example.org"


def test_the_verdon_facilitator_manages_riez_once_the_demo_is_loaded(verdon):
    first = load_demo(verdon.url, verdon.profile, verdon.admin_token, verdon.mongo_uri)
    again = load_demo(verdon.url, verdon.profile, verdon.admin_token, verdon.mongo_uri)
    riez, castellane = first.places["riez"], first.places["castellane"]
    assert first.managers == {FACILITATOR: ["Tiers-lieu de Riez"]}
    assert (again.places, again.managers, again.counts) == (
        first.places,
        first.managers,
        first.counts,
    )
    assert len(first.accounts) == 6
    # Riez's digital help on Tuesday mornings, holding its meeting room.
    [permanence] = httpx.get(f"{verdon.url}/api/places/{riez}/permanences", timeout=30).json()
    assert permanence["id"] == first.permanences["riez/aide-numerique"]
    assert permanence["rule"] == "Tu 09:00-12:00"
    assert permanence["room_resource_id"] == first.resources["riez/salle-valensole"]
    assert [m["code"] for m in permanence["motifs"]] == ["demarches", "atelier-smartphone"]

    with httpx.Client(base_url=verdon.url, timeout=30) as api:
        token = api.post("/api/auth/token", json={"email": FACILITATOR, "password": DEMO_PASSWORD})
        assert token.status_code == 200, token.text
        hers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert api.get("/api/me", headers=hers).json()["manages"] == [riez]  # once, not twice
        room = {"name": "Atelier couture", "kind": "equipment", "seats": 4}
        made = api.post(f"/api/places/{riez}/resources", json=room, headers=hers)
        assert made.status_code == 201, made.text
        elsewhere = api.post(f"/api/places/{castellane}/resources", json=room, headers=hers)
        assert is_problem(elsewhere, 403)["code"] == "forbidden"
        others = api.post(
            "/api/auth/token", json={"email": "veronique@example.org", "password": DEMO_PASSWORD}
        )
        veronique = {"Authorization": f"Bearer {others.json()['access_token']}"}
        assert api.get("/api/me", headers=veronique).json()["manages"] == []

    printed = summary(verdon, again)
    assert "gestionnaire (rôle manager) de : Tiers-lieu de Riez" in printed
    assert account_lines(verdon.profile)[0] in printed


# --- the same list wherever a territory is deployed (no platform needed) -----------------------


@pytest.mark.parametrize("path", sorted(PROFILES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_compose_env_files_tell_the_gateway_the_profile_services(path):
    env_file = PROFILES_DIR.parent / "compose" / f"{path.stem}.env"
    values = dict(
        line.split("=", 1)
        for line in env_file.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert values["SERVICES"].split(",") == declared(path.stem)["services"]
    compose = yaml.safe_load((PROFILES_DIR.parent.parent / "docker-compose.yml").read_text())
    gateway_env = compose["services"]["gateway"]["environment"]
    assert gateway_env["MAILLAGE_SERVICES"] == "${SERVICES:-}"


def test_kubernetes_configmap_tells_the_gateway_the_profile_services():
    configmap = yaml.safe_load((PROFILES_DIR.parent / "kubernetes" / "configmap.yaml").read_text())
    data = configmap["data"]
    assert data["MAILLAGE_SERVICES"].split(",") == declared(data["MAILLAGE_TERRITORY"])["services"]


def test_the_lozere_week_of_events_is_in_its_agenda(territory, first_load):
    """Issue 10: the « Semaine des tiers-lieux » as a series of events in several places."""
    if territory.profile.territory != "lozere":
        pytest.skip("the Semaine des tiers-lieux is the Lozère demo's")
    events = json.loads((DEMO_DIR / "events" / "lozere.json").read_text(encoding="utf-8"))
    assert set(first_load.events) == {record["key"] for record in events["events"]}
    agenda = httpx.get(f"{territory.url}/api/agenda", timeout=30).json()
    assert set(first_load.events.values()) <= {item["id"] for item in agenda}
    assert len({item["place_id"] for item in agenda}) == 3
    ics = httpx.get(f"{territory.url}/api/agenda.ics", timeout=30)
    assert ics.text.count("BEGIN:VEVENT") >= len(first_load.events)
