#!/usr/bin/env python3
"""Write the RabbitMQ definitions (vhost, user, exchanges, consumer queues) of a territory.

RabbitMQ imports the file at boot (``deploy/rabbitmq/rabbitmq.conf``). The point is the
consumer queues: nameko only declares a handler's queue when the handler starts, and an
event published to an exchange with no queue bound is dropped. Declaring the durable
queue and its binding at deploy time means an event published *before* its consumer
first starts waits in the queue instead of being lost.

Only the consumers whose service is in the territory's profile get a queue: a queue
nobody consumes would fill up forever.

Queue shape — classic, durable, not auto-delete, **no arguments**. nameko 3.0.0rc11
declares every event-handler queue exactly like that (``kombu.Queue(durable=True,
auto_delete=False)``, no ``x-queue-type``). RabbitMQ refuses a re-declare whose
arguments differ from the existing queue (``406 PRECONDITION_FAILED - inequivalent arg
'x-queue-type'``), so a queue pre-declared here as a quorum queue would make the
consumer fail to start. The vhost's default queue type is pinned to ``classic`` for
the same reason (nameko's RPC reply queues are exclusive/auto-delete, which quorum
queues do not support).

RPC queues (``rpc-<service>``) are deliberately NOT declared: nameko declares them when the
service starts, and the gateway publishes RPC requests with ``mandatory=True`` so that a
request to a service the territory does not run is unroutable and answered with 503 at
once. A pre-declared ``rpc-clubs`` queue would only make a service that was never deployed
look like one that stopped. The ``nameko-rpc`` exchange itself is declared (as the gateway
and nameko declare it), so it exists before any process starts.

Which consumers exist comes from the handlers themselves (``@reliable_handler(source, type)``
in each ``services/<name>/service.py``), gathered by ``tools/topology.py``.

Usage (from the project's venv: it imports the service classes)::

    python deploy/rabbitmq/make_definitions.py verdon                 # print to stdout
    python deploy/rabbitmq/make_definitions.py baronnies -o out.json  # write a file
    python deploy/rabbitmq/make_definitions.py --profile my.yaml      # any profile file
    python deploy/rabbitmq/make_definitions.py --all                  # rewrite committed files
    python deploy/rabbitmq/make_definitions.py --check                # fail if they are stale
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
if str(REPO) not in sys.path:  # run as a script: make ``services`` importable
    sys.path.insert(0, str(REPO))

from contracts import SERVICE_NAMES as SERVICES  # noqa: E402
from tools.topology import EVENT_SOURCES, consumers_for  # noqa: E402

TERRITORIES_DIR = HERE.parent / "territories"
DEFAULT_TERRITORY = "verdon"  # docker-compose.yml mounts definitions.json by default

RPC_EXCHANGE = "nameko-rpc"

# Development credentials (the compose AMQP URI uses guest:guest). A fixed salt keeps the
# generated file reproducible; pass --password for anything that faces a network.
_SALT = bytes.fromhex("6d61696c")  # "mail"


def vhost_name(territory: str) -> str:
    return f"maillage_{territory}"


def event_exchange(service: str) -> str:
    """The topic exchange nameko declares for a service's events (``Consumer.exchange``)."""
    return f"{service}.events"


def password_hash(password: str, salt: bytes = _SALT) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    return base64.b64encode(salt + digest).decode("ascii")


def load_profile(name_or_path: str | Path) -> dict:
    """Load ``deploy/territories/<name>.yaml`` (or any profile file) and check its shape."""
    path = Path(name_or_path)
    if not path.suffix:
        path = TERRITORIES_DIR / f"{name_or_path}.yaml"
    profile = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(profile, dict) or not isinstance(profile.get("territory"), str):
        raise ValueError(f"{path}: not a territory profile (no 'territory' key)")
    services = profile.get("services")
    if not isinstance(services, list) or not set(services) <= set(SERVICES):
        raise ValueError(f"{path}: 'services' must be a list drawn from {SERVICES}")
    return profile


def build_definitions(profile: dict, user: str = "guest", password: str = "guest") -> dict:
    territory = profile["territory"]
    services = list(profile["services"])
    vhost = vhost_name(territory)
    consumers = consumers_for(services)

    # Exchanges of the services that run here, plus the source of every consumer queue
    # (a binding needs its exchange, even if the emitter is not deployed yet). A source may
    # be no service: the gateway publishes to ``gateway.events``, declared here as soon as a
    # deployed consumer listens to it.
    sources = [c.source for c in consumers]
    exchange_services = [s for s in EVENT_SOURCES if s in services or s in sources]

    def exchange(name: str) -> dict:
        # Same attributes nameko/kombu declare with: topic, durable, not auto-delete.
        return {
            "name": name,
            "vhost": vhost,
            "type": "topic",
            "durable": True,
            "auto_delete": False,
            "internal": False,
            "arguments": {},
        }

    return {
        "users": [
            {
                "name": user,
                "password_hash": password_hash(password),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": ["administrator"],
                "limits": {},
            }
        ],
        "vhosts": [
            {
                "name": vhost,
                "description": f"Maillage — {profile.get('label', territory)}",
                "tags": [],
                "default_queue_type": "classic",
                "metadata": {
                    "description": f"Maillage — {profile.get('label', territory)}",
                    "tags": [],
                    "default_queue_type": "classic",
                },
            }
        ],
        "permissions": [
            {"user": user, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
        ],
        "topic_permissions": [],
        "parameters": [],
        "global_parameters": [],
        "policies": [],
        "exchanges": [exchange(RPC_EXCHANGE)]
        + [exchange(event_exchange(s)) for s in exchange_services],
        # Classic durable queues WITHOUT arguments: see the module docstring.
        "queues": [
            {
                "name": c.queue,
                "vhost": vhost,
                "durable": True,
                "auto_delete": False,
                "arguments": {},
            }
            for c in consumers
        ],
        "bindings": [
            {
                "source": c.exchange,
                "vhost": vhost,
                "destination": c.queue,
                "destination_type": "queue",
                "routing_key": c.event_type,
                "arguments": {},
            }
            for c in consumers
        ],
    }


def render(definitions: dict) -> str:
    return json.dumps(definitions, indent=2, ensure_ascii=False) + "\n"


def output_path(territory: str) -> Path:
    """Where the committed definitions of a territory live."""
    if territory == DEFAULT_TERRITORY:
        return HERE / "definitions.json"
    return HERE / f"definitions.{territory}.json"


def all_profiles() -> list[dict]:
    return [load_profile(p) for p in sorted(TERRITORIES_DIR.glob("*.yaml"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("territory", nargs="?", help="name of deploy/territories/<name>.yaml")
    parser.add_argument("--profile", help="path to a territory profile YAML")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    parser.add_argument("--user", default="guest")
    parser.add_argument("--password", default="guest")
    parser.add_argument("--all", action="store_true", help="rewrite every committed file")
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file is stale")
    args = parser.parse_args(argv)

    if args.all or args.check:
        stale = []
        for profile in all_profiles():
            path = output_path(profile["territory"])
            text = render(build_definitions(profile, args.user, args.password))
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                stale.append(path)
                if args.all:
                    path.write_text(text, encoding="utf-8")
        for path in stale:
            verb = "wrote" if args.all else "stale"
            print(f"{verb}: {path.relative_to(HERE.parent.parent)}", file=sys.stderr)
        return 1 if (args.check and stale) else 0

    source = args.profile or args.territory
    if not source:
        parser.error("give a territory name, --profile, --all or --check")
    text = render(build_definitions(load_profile(source), args.user, args.password))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
