"""Structure of the deployment files: compose, territory profiles, env files, RabbitMQ
definitions, Prometheus, Grafana, Kubernetes. No network, no Docker.

Run: .venv/bin/pytest -p no:nameko tests/unit/test_deploy_structure.py -q
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE_FILE = REPO / "docker-compose.yml"

DOMAIN_SERVICES = ("directory", "booking", "clubs", "notifications")
ALWAYS_ON = ("gateway", "mongo", "rabbitmq", "mailpit", "prometheus")
PLATFORM = DOMAIN_SERVICES + ALWAYS_ON
IMAGE_PROCESSES = DOMAIN_SERVICES + ("gateway",)
METRICS_PORTS = {"directory": 9101, "booking": 9102, "clubs": 9103, "notifications": 9104}
GATEWAY_PORT = 8000
PROFILE_KEYS = {"territory", "label", "services", "coordinator_email", "demo"}
REQUIRED_ENV = ("MAILLAGE_TERRITORY", "MAILLAGE_AMQP_URI", "MAILLAGE_MONGO_URI")

EXPECTED_TERRITORIES = {
    "verdon": ["directory", "booking", "clubs", "notifications"],
    "lozere": ["directory", "booking", "clubs", "notifications"],
    "baronnies": ["directory", "booking"],
    "aquitaine": ["directory", "booking", "notifications"],
}

# (queue, exchange, routing key) of the current event consumers.
CONSUMER_QUEUES = {
    "notifications": [
        (f"evt-booking-{event}--notifications.on_{event}", "booking.events", event)
        for event in (
            "booking_confirmed",
            "booking_cancelled",
            "booking_series_confirmed",
            "booking_series_cancelled",
            "booking_requested",
            "booking_rejected",
            "booking_reminder_due",
            "booking_restored",
            "booking_waitlisted",
            "booking_offered",
        )
    ]
    + [
        (
            "evt-clubs-meeting_room_refused--notifications.on_meeting_room_refused",
            "clubs.events",
            "meeting_room_refused",
        ),
        (
            "evt-clubs-club_join_requested--notifications.on_club_join_requested",
            "clubs.events",
            "club_join_requested",
        ),
    ]
    + [
        (f"evt-clubs-{event}--notifications.on_{event}", "clubs.events", event)
        for event in ("meeting_scheduled", "meeting_moved", "meeting_cancelled")
    ]
    + [
        (
            "evt-directory-place_created--notifications.on_place_created",
            "directory.events",
            "place_created",
        ),
        (
            "evt-clubs-announcement_posted--notifications.on_announcement_posted",
            "clubs.events",
            "announcement_posted",
        ),
    ]
    + [
        (f"evt-directory-{event}--notifications.on_{event}", "directory.events", event)
        for event in ("contact_requested", "contact_replied")
    ]
    # The directory's answers to a member's proposal (issue 9, moderation).
    + [
        (f"evt-directory-{event}--notifications.on_{event}", "directory.events", event)
        for event in ("contribution_approved", "contribution_rejected")
    ]
    # The gateway is no service: its events come from gateway.events (contracts/gateway.py).
    + [
        (f"evt-gateway-{event}--notifications.on_{event}", "gateway.events", event)
        for event in (
            "member_registered",
            "member_updated",
            "member_erased",
            "email_confirmation_requested",
            "sign_in_link_requested",
            "password_reset_requested",
            "email_change_requested",
            "place_managers_changed",
        )
    ]
    # Workshops and events (clubs, issue 10).
    + [
        (f"evt-clubs-{event}--notifications.on_{event}", "clubs.events", event)
        for event in (
            "rsvp_confirmed",
            "rsvp_waitlisted",
            "rsvp_promoted",
            "workshop_confirmed",
            "workshop_cancelled",
            "workshop_updated",
            "club_join_answered",
            "club_member_left",
            "club_president_changed",
        )
    ],
    "booking": [
        (
            "evt-directory-place_created--booking.on_place_created",
            "directory.events",
            "place_created",
        ),
        (
            "evt-directory-place_updated--booking.on_place_updated",
            "directory.events",
            "place_updated",
        ),
        (
            "evt-directory-place_status_changed--booking.on_place_status_changed",
            "directory.events",
            "place_status_changed",
        ),
        (
            "evt-gateway-member_erased--booking.on_member_erased",
            "gateway.events",
            "member_erased",
        ),
        (
            "evt-gateway-member_updated--booking.on_member_updated",
            "gateway.events",
            "member_updated",
        ),
        (
            "evt-clubs-workshop_attendance_taken--booking.on_workshop_attendance_taken",
            "clubs.events",
            "workshop_attendance_taken",
        ),
    ]
    # A club's meeting asks for its place's meeting room (services/booking/club_rooms.py).
    + [
        (f"evt-clubs-{event}--booking.on_{event}", "clubs.events", event)
        for event in (
            "meeting_scheduled",
            "meeting_moved",
            "meeting_cancelled",
            "workshop_scheduled",
            "workshop_cancelled",
        )
    ],
    # Booking's answers about the rooms, for meetings and workshops (room_answers.py).
    "clubs": [
        (f"evt-booking-{event}--clubs.on_{event}", "booking.events", event)
        for event in ("room_reserved", "room_refused", "room_released")
    ]
    + [
        (
            "evt-gateway-member_erased--clubs.on_member_erased",
            "gateway.events",
            "member_erased",
        ),
        (
            "evt-gateway-member_erased--clubs.on_member_erased_rsvps",
            "gateway.events",
            "member_erased",
        ),
    ],
    # The directory forgets an erased member's proposals (issue 9, moderation).
    "directory": [
        (
            "evt-gateway-member_erased--directory.on_member_erased",
            "gateway.events",
            "member_erased",
        ),
    ],
}

PROFILE_FILES = sorted((DEPLOY / "territories").glob("*.yaml"))
ENV_FILES = sorted((DEPLOY / "compose").glob("*.env"))


# --- helpers ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def makedefs():
    path = DEPLOY / "rabbitmq" / "make_definitions.py"
    spec = importlib.util.spec_from_file_location("maillage_make_definitions", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_profile(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {raw!r}"
        values[key.strip()] = value.strip()
    return values


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...]
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def container_ports(service: dict) -> set[int]:
    ports = set()
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def uses_project_image(service: dict) -> bool:
    return "build" in service or str(service.get("image", "")).startswith("maillage")


def definitions_for(makedefs, territory: str) -> dict:
    return makedefs.build_definitions(makedefs.load_profile(territory))


# --- docker-compose.yml ----------------------------------------------------------------------
def test_every_platform_service_is_present(services):
    missing = set(PLATFORM) - set(services)
    assert not missing, f"docker-compose.yml lacks {sorted(missing)}"


@pytest.mark.parametrize("name", DOMAIN_SERVICES)
def test_domain_service_is_in_the_profile_of_its_name(services, name):
    assert services[name].get("profiles") == [name]


@pytest.mark.parametrize("name", ALWAYS_ON)
def test_infrastructure_and_gateway_are_always_on(services, name):
    assert not services[name].get("profiles"), f"{name} must not be behind a profile"


def test_the_five_processes_use_the_project_image(services):
    for name in IMAGE_PROCESSES:
        assert uses_project_image(services[name]), f"{name} is not built from the Dockerfile"
    assert (REPO / "Dockerfile").is_file()


@pytest.mark.parametrize("name", IMAGE_PROCESSES)
def test_process_command(services, name):
    command = services[name]["command"]
    if isinstance(command, list):
        command = " ".join(command)
    expected = "python -m gateway" if name == "gateway" else f"python -m services.{name}"
    assert command == expected


def test_every_image_service_gets_territory_amqp_and_mongo(services):
    image_services = [n for n, s in services.items() if uses_project_image(s)]
    assert set(IMAGE_PROCESSES) <= set(image_services)
    for name in image_services:
        env = environment(services[name])
        for key in REQUIRED_ENV:
            assert env.get(key), f"{name} lacks {key}"
        assert env["MAILLAGE_TERRITORY"] == "${TERRITORY:-verdon}", name
        # one vhost per territory
        assert env["MAILLAGE_AMQP_URI"].endswith("/maillage_${TERRITORY:-verdon}"), name
        assert env["MAILLAGE_AMQP_URI"].startswith("amqp://"), name
        assert env["MAILLAGE_MONGO_URI"].startswith("mongodb://mongo:27017"), name
        # a replica set: the services then write with w: "majority", j: true
        assert "replicaSet=rs0" in env["MAILLAGE_MONGO_URI"], name


def test_mongo_is_a_replica_set_initiated_by_its_healthcheck(services):
    mongo = services["mongo"]
    command = mongo["command"] if isinstance(mongo["command"], list) else mongo["command"].split()
    assert command[command.index("--replSet") + 1] == "rs0"
    probe = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in probe and "_id: 'rs0'" in probe and "mongo:27017" in probe
    assert "isWritablePrimary" in probe


@pytest.mark.parametrize("name", DOMAIN_SERVICES)
def test_domain_service_metrics_port(services, name):
    env = environment(services[name])
    assert env.get("MAILLAGE_METRICS_PORT") == str(METRICS_PORTS[name])


def test_metrics_ports_agree_with_the_settings_defaults():
    import contracts

    assert contracts.METRICS_PORTS == METRICS_PORTS


def test_gateway_publishes_port_8000(services):
    assert GATEWAY_PORT in container_ports(services["gateway"])
    env = environment(services["gateway"])
    assert env.get("MAILLAGE_GATEWAY_PORT") == str(GATEWAY_PORT)
    assert env.get("MAILLAGE_GATEWAY_HOST") == "0.0.0.0"


def test_gateway_does_not_depend_on_optional_services(services):
    depends = services["gateway"].get("depends_on") or {}
    assert not set(depends) & set(DOMAIN_SERVICES)


def test_depends_on_targets_exist_and_healthy_conditions_have_healthchecks(services):
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {d: {"condition": "service_started"} for d in depends}
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            assert not services[target].get("profiles") or target in DOMAIN_SERVICES
            if spec.get("condition") == "service_healthy":
                assert "healthcheck" in services[target], f"{target} has no healthcheck"


@pytest.mark.parametrize("name", IMAGE_PROCESSES + ("mongo", "rabbitmq"))
def test_healthchecks(services, name):
    assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_gateway_healthcheck_uses_api_health(services):
    test = services["gateway"]["healthcheck"]["test"]
    assert "/api/health" in " ".join(test if isinstance(test, list) else [test])


def test_domain_services_wait_for_broker_and_database(services):
    for name in DOMAIN_SERVICES + ("gateway",):
        depends = services[name]["depends_on"]
        for infra in ("rabbitmq", "mongo"):
            assert depends[infra]["condition"] == "service_healthy", (name, infra)


def test_the_reply_relay_runs_behind_its_own_profile(services):
    # Its own profile: it refuses to start without MAILLAGE_RELAY_DOMAIN, so it runs only
    # where the operator asked for it (COMPOSE_PROFILES=...,relay and RELAY_DOMAIN).
    relay = services["relay"]
    assert relay.get("profiles") == ["relay"]
    assert uses_project_image(relay)
    assert relay["command"] == "python -m services.notifications.relay_server"
    env = environment(relay)
    assert env["MAILLAGE_RELAY_HOST"] == "0.0.0.0" and env["MAILLAGE_RELAY_PORT"] == "8026"
    assert 8026 in container_ports(relay)
    assert relay["healthcheck"]["test"] and "8026" in " ".join(relay["healthcheck"]["test"])
    assert relay["depends_on"]["notifications"]["condition"] == "service_healthy"
    assert relay["depends_on"]["mongo"]["condition"] == "service_healthy"
    # The same domain for the service that writes Reply-To and the listener that answers it.
    for name in ("notifications", "relay"):
        assert environment(services[name])["MAILLAGE_RELAY_DOMAIN"] == "${RELAY_DOMAIN:-}"


def test_rabbitmq_mounts_conf_and_definitions(services):
    rabbit = services["rabbitmq"]
    assert rabbit["image"].startswith("rabbitmq:3.13-management")
    mounts = [str(v) for v in rabbit.get("volumes", [])]
    assert any(m.endswith(":/etc/rabbitmq/definitions.json:ro") for m in mounts)
    assert any(
        m.startswith("./deploy/rabbitmq/rabbitmq.conf:/etc/rabbitmq/rabbitmq.conf") for m in mounts
    )
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text(encoding="utf-8")
    assert "load_definitions = /etc/rabbitmq/definitions.json" in conf


def test_infrastructure_images(services):
    assert services["mongo"]["image"] == "mongo:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert services["prometheus"]["image"].startswith("prom/prometheus")
    mounts = [str(v) for v in services["prometheus"]["volumes"]]
    assert any(m.startswith("./deploy/prometheus/prometheus.yml:") for m in mounts)


def test_mail_goes_to_mailpit_by_default(services):
    env = environment(services["notifications"])
    assert env["MAILLAGE_SMTP_HOST"] == "${SMTP_HOST:-mailpit}"
    assert env["MAILLAGE_SMTP_PORT"] == "${SMTP_PORT:-1025}"


# --- Prometheus ------------------------------------------------------------------------------
def test_prometheus_scrapes_every_metrics_port():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = {}
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                targets[host] = (int(port), job.get("metrics_path", "/metrics"))
    expected = {name: (port, "/metrics") for name, port in METRICS_PORTS.items()}
    expected["gateway"] = (GATEWAY_PORT, "/metrics")
    assert targets == expected


# --- territory profiles ----------------------------------------------------------------------
def test_the_four_territories_exist():
    assert {p.stem for p in PROFILE_FILES} == set(EXPECTED_TERRITORIES)


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_territory_profile_is_valid(path):
    profile = load_profile(path)
    assert isinstance(profile, dict)
    assert set(profile) == PROFILE_KEYS
    assert profile["territory"] == path.stem
    services = profile["services"]
    assert isinstance(services, list) and services
    assert set(services) <= set(DOMAIN_SERVICES)
    assert len(services) == len(set(services)), "duplicate service"
    for key in ("label", "coordinator_email", "demo"):
        assert isinstance(profile[key], str) and profile[key].strip(), key
    assert "@" in profile["coordinator_email"]


@pytest.mark.parametrize("territory", sorted(EXPECTED_TERRITORIES))
def test_territory_runs_the_expected_services(territory):
    profile = load_profile(DEPLOY / "territories" / f"{territory}.yaml")
    assert profile["services"] == EXPECTED_TERRITORIES[territory]


def test_verdon_runs_all_four_and_baronnies_exactly_directory_and_booking():
    verdon = load_profile(DEPLOY / "territories" / "verdon.yaml")
    baronnies = load_profile(DEPLOY / "territories" / "baronnies.yaml")
    assert set(verdon["services"]) == set(DOMAIN_SERVICES)
    assert sorted(baronnies["services"]) == ["booking", "directory"]


# --- deploy/compose/<territory>.env --------------------------------------------------------------
def test_one_env_file_per_profile():
    assert {p.stem for p in ENV_FILES} == {p.stem for p in PROFILE_FILES}


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_env_file_matches_profile(path, services, makedefs):
    profile = load_profile(path)
    env = read_env_file(DEPLOY / "compose" / f"{path.stem}.env")
    assert env["TERRITORY"] == profile["territory"]
    assert env["COMPOSE_PROFILES"].split(",") == profile["services"]
    assert env["COORDINATOR_EMAIL"] == profile["coordinator_email"]
    for compose_profile in env["COMPOSE_PROFILES"].split(","):
        assert services[compose_profile].get("profiles") == [compose_profile]
    definitions = REPO / env["RABBITMQ_DEFINITIONS"]
    assert definitions.resolve() == makedefs.output_path(profile["territory"]).resolve()


# --- RabbitMQ definitions ----------------------------------------------------------------------
def test_baronnies_declares_no_notifications_queue(makedefs):
    defs = definitions_for(makedefs, "baronnies")
    queues = [q["name"] for q in defs["queues"]]
    assert not [q for q in queues if "notifications" in q]
    assert not [b for b in defs["bindings"] if "notifications" in b["destination"]]
    expected = CONSUMER_QUEUES["booking"] + CONSUMER_QUEUES["directory"]
    assert sorted(queues) == sorted(q for q, _, _ in expected)
    assert {v["name"] for v in defs["vhosts"]} == {"maillage_baronnies"}


def test_verdon_declares_every_consumer_queue_with_bindings(makedefs):
    defs = definitions_for(makedefs, "verdon")
    expected = (
        CONSUMER_QUEUES["notifications"]
        + CONSUMER_QUEUES["booking"]
        + CONSUMER_QUEUES["clubs"]
        + CONSUMER_QUEUES["directory"]
    )
    assert sorted(q["name"] for q in defs["queues"]) == sorted(q for q, _, _ in expected)
    bindings = {
        (b["destination"], b["source"], b["routing_key"], b["destination_type"], b["vhost"])
        for b in defs["bindings"]
    }
    assert bindings == {(q, x, rk, "queue", "maillage_verdon") for q, x, rk in expected}


@pytest.mark.parametrize("territory", sorted(EXPECTED_TERRITORIES))
def test_definitions_declare_what_nameko_declares(makedefs, territory):
    defs = definitions_for(makedefs, territory)
    vhost = f"maillage_{territory}"
    assert [v["name"] for v in defs["vhosts"]] == [vhost]
    # classic durable queues WITHOUT arguments: nameko re-declares them exactly so
    for queue in defs["queues"]:
        assert queue["vhost"] == vhost
        assert queue["durable"] is True and queue["auto_delete"] is False
        assert queue["arguments"] == {}, f"{queue['name']}: arguments break nameko's re-declare"
        assert queue["name"].startswith("evt-")
    # RPC queues are not pre-declared: the gateway's mandatory publish must fail fast (503)
    assert not [q for q in defs["queues"] if q["name"].startswith("rpc-")]
    exchanges = {x["name"]: x for x in defs["exchanges"]}
    assert "nameko-rpc" in exchanges
    for service in EXPECTED_TERRITORIES[territory]:
        assert f"{service}.events" in exchanges
    for exchange in exchanges.values():
        assert exchange["type"] == "topic" and exchange["durable"] is True
        assert exchange["auto_delete"] is False and exchange["vhost"] == vhost
    for binding in defs["bindings"]:
        assert binding["source"] in exchanges
        assert binding["destination"] in {q["name"] for q in defs["queues"]}
    # guest may use the vhost
    assert {"user": "guest", "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"} in (
        defs["permissions"]
    )
    assert "guest" in {u["name"] for u in defs["users"]}


@pytest.mark.parametrize("territory", sorted(EXPECTED_TERRITORIES))
def test_consumer_queues_follow_the_profile(makedefs, territory):
    defs = definitions_for(makedefs, territory)
    expected = [
        queue
        for service in EXPECTED_TERRITORIES[territory]
        for queue, _, _ in CONSUMER_QUEUES.get(service, [])
    ]
    assert sorted(q["name"] for q in defs["queues"]) == sorted(expected)


@pytest.mark.parametrize("territory", sorted(EXPECTED_TERRITORIES))
def test_gateway_exchange_is_declared_when_a_deployed_consumer_listens(makedefs, territory):
    defs = definitions_for(makedefs, territory)
    exchanges = {x["name"] for x in defs["exchanges"]}
    listens = any(
        exchange == "gateway.events"
        for service in EXPECTED_TERRITORIES[territory]
        for _, exchange, _ in CONSUMER_QUEUES.get(service, [])
    )
    assert ("gateway.events" in exchanges) is listens
    assert not listens or {b["source"] for b in defs["bindings"]} >= {"gateway.events"}


def test_guest_password_hash_is_rabbitmq_sha256(makedefs):
    user = definitions_for(makedefs, "verdon")["users"][0]
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    raw = base64.b64decode(user["password_hash"])
    salt, digest = raw[:4], raw[4:]
    assert digest == hashlib.sha256(salt + b"guest").digest()


@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_committed_definitions_are_up_to_date(makedefs, path):
    profile = makedefs.load_profile(path)
    committed = makedefs.output_path(profile["territory"])
    assert committed.is_file(), f"run make_definitions.py --all ({committed.name} missing)"
    assert json.loads(committed.read_text(encoding="utf-8")) == makedefs.build_definitions(profile)


def test_default_definitions_file_is_verdon():
    defs = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text(encoding="utf-8"))
    assert [v["name"] for v in defs["vhosts"]] == ["maillage_verdon"]


def test_generator_rejects_an_unknown_service(makedefs, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("territory: bad\nservices: [directory, payroll]\n", encoding="utf-8")
    with pytest.raises(ValueError):
        makedefs.load_profile(bad)


def test_generator_cli_writes_json(makedefs, tmp_path):
    out = tmp_path / "defs.json"
    assert makedefs.main(["baronnies", "-o", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == definitions_for(makedefs, "baronnies")
    assert makedefs.main(["--check"]) == 0


# --- Grafana ---------------------------------------------------------------------------------
def test_grafana_dashboard_covers_the_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "maillage-dashboard.json").read_text("utf-8"))
    assert dashboard["title"] and dashboard["uid"]
    exprs = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    )
    for metric in (
        "maillage_rpc_requests_total",
        "maillage_rpc_latency_seconds_bucket",
        "maillage_events_handled_total",
        "maillage_outbox_backlog",
        "maillage_dead_letters",
        "http_requests_total",
    ):
        assert metric in exprs, metric
    assert "histogram_quantile(0.5" in exprs and "histogram_quantile(0.99" in exprs
    datasource = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text("utf-8")
    )
    uid = datasource["datasources"][0]["uid"]
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid, panel["title"]


# --- Kubernetes ------------------------------------------------------------------------------
def test_kubernetes_manifests():
    k8s = DEPLOY / "kubernetes"
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text(encoding="utf-8"))
    docs = [
        doc
        for name in kustomization["resources"]
        for doc in yaml.safe_load_all((k8s / name).read_text(encoding="utf-8"))
        if doc
    ]
    by_kind: dict[str, dict[str, dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    assert set(by_kind["Namespace"]) == {kustomization["namespace"]}
    config = by_kind["ConfigMap"]["maillage-env"]["data"]
    assert all(key.startswith("MAILLAGE_") for key in config)
    assert config["MAILLAGE_TERRITORY"] == "verdon"
    for name in IMAGE_PROCESSES:
        deployment = by_kind["Deployment"][name]
        assert name in by_kind["Service"]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        expected = "python -m gateway" if name == "gateway" else f"python -m services.{name}"
        assert " ".join(container["command"]) == expected
        assert container["readinessProbe"]
    gateway = by_kind["Deployment"]["gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/api/health"
    # The reply relay: its listener on 8026 in the pod, port 25 for the relay domain's MX.
    relay = by_kind["Deployment"]["relay"]["spec"]["template"]["spec"]["containers"][0]
    assert relay["command"] == ["python", "-m", "services.notifications.relay_server"]
    relay_env = {item["name"]: item["value"] for item in relay["env"]}
    assert relay_env["MAILLAGE_RELAY_HOST"] == "0.0.0.0"
    assert relay["ports"][0]["containerPort"] == int(relay_env["MAILLAGE_RELAY_PORT"])
    assert relay["readinessProbe"]["tcpSocket"]["port"] == relay["ports"][0]["name"]
    [port] = by_kind["Service"]["relay"]["spec"]["ports"]
    assert (port["port"], port["targetPort"]) == (25, relay["ports"][0]["name"])
    assert config["MAILLAGE_RELAY_DOMAIN"]


# --- docs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", PROFILE_FILES, ids=lambda p: p.stem)
def test_operations_page_per_territory(path):
    page = REPO / "docs" / "operations" / f"{path.stem}.md"
    assert page.is_file()
    text = page.read_text(encoding="utf-8")
    assert f"docker compose --env-file deploy/compose/{path.stem}.env up -d" in text
    assert "/api/admin/dead-letters/" in text


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.stem)
def test_env_file_names_the_territory_as_its_profile_does(env_file):
    label = read_env_file(env_file)["TERRITORY_LABEL"].strip('"')
    assert label == load_profile(DEPLOY / "territories" / f"{env_file.stem}.yaml")["label"]
