"""Run a whole territory as local processes: ``python -m tools.platform run --territory verdon``.

Used by ``make run`` and by the end-to-end tests: SecantusDB and the SMTP sink are started as
our own processes, RabbitMQ is the system's (started or installed when missing), then the
territory's services and the gateway. Ctrl-C stops every process this started.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from contracts import METRICS_PORTS as DEFAULT_METRICS

from . import infra
from .demo import DemoLoad, account_lines
from .profiles import ROOT, Profile, load_profile

# How long `make run` waits for every service to answer before giving up.
READY_WAIT = 120.0


@dataclass
class Ports:
    gateway: int = 8000
    mongo: int = 27017
    smtp: int = 8025
    metrics: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_METRICS))

    @classmethod
    def free(cls) -> Ports:
        gateway, mongo, smtp, *metrics = infra.free_ports(3 + len(DEFAULT_METRICS))
        return cls(
            gateway=gateway,
            mongo=mongo,
            smtp=smtp,
            metrics=dict(zip(DEFAULT_METRICS, metrics, strict=True)),
        )


class Platform:
    def __init__(
        self,
        profile: Profile,
        var: Path,
        ports: Ports,
        *,
        vhost: str | None = None,
        extra_env: dict[str, str] | None = None,
        admin_token: str | None = None,
    ) -> None:
        self.profile = profile
        self.var = var
        self.ports = ports
        self.vhost = vhost or f"maillage_{profile.territory}"
        self.amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        self.mongo_uri = f"mongodb://127.0.0.1:{ports.mongo}/"
        self.mail_dir = var / "mail"
        self.log_dir = var / "log"
        self.admin_token = admin_token or secrets.token_urlsafe(16)
        self.extra_env = extra_env or {}
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    # -- processes ----------------------------------------------------------------------
    def env(self, **more: str) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "MAILLAGE_TERRITORY": self.profile.territory,
            "MAILLAGE_TERRITORY_LABEL": self.profile.label,
            "MAILLAGE_AMQP_URI": self.amqp_uri,
            "MAILLAGE_MONGO_URI": self.mongo_uri,
            "MAILLAGE_SMTP_HOST": "127.0.0.1",
            "MAILLAGE_SMTP_PORT": str(self.ports.smtp),
            "MAILLAGE_COORDINATOR_EMAIL": self.profile.coordinator_email,
            "MAILLAGE_PUBLIC_URL": self.url,
            "MAILLAGE_GATEWAY_PORT": str(self.ports.gateway),
            "MAILLAGE_ADMIN_TOKEN": self.admin_token,
            # What the gateway's /api/ready waits for.
            "MAILLAGE_SERVICES": ",".join(self.profile.services),
            **self.extra_env,
            **more,
        }

    def spawn(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115  (owned by the child)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_infra(self) -> None:
        infra.ensure_rabbitmq()
        infra.ensure_vhost(self.vhost)
        if not infra.port_open("127.0.0.1", self.ports.mongo):
            storage = self.var / "mongo"
            storage.mkdir(parents=True, exist_ok=True)
            self.spawn("secantusdb", infra.secantus_command(self.ports.mongo, storage))
        if not infra.port_open("127.0.0.1", self.ports.smtp):
            self.mail_dir.mkdir(parents=True, exist_ok=True)
            self.spawn("smtp-sink", infra.smtp_sink_command(self.ports.smtp, self.mail_dir))
        infra.wait_port("127.0.0.1", self.ports.mongo, 60, "SecantusDB")
        infra.wait_port("127.0.0.1", self.ports.smtp, 30, "SMTP sink")
        infra.declare_topology(self.amqp_uri, self.profile.services)

    def start_service(self, service: str) -> None:
        self.spawn(
            service,
            [sys.executable, "-m", f"services.{service}"],
            MAILLAGE_METRICS_PORT=str(self.ports.metrics[service]),
        )

    def stop_service(self, service: str) -> None:
        self._stop(service, self.processes.pop(service))

    def stop_smtp(self) -> None:
        """Stop the SMTP sink: an outage, for the fault tests (``start_smtp`` ends it)."""
        self._stop("smtp-sink", self.processes.pop("smtp-sink"))

    def start_smtp(self) -> None:
        """Start the SMTP sink again, on the same port and into the same mail directory."""
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.spawn("smtp-sink", infra.smtp_sink_command(self.ports.smtp, self.mail_dir))
        infra.wait_port("127.0.0.1", self.ports.smtp, 30, "SMTP sink")

    def start(self, ready_within: float = 90) -> None:
        self.start_infra()
        for service in self.profile.services:
            self.start_service(service)
        self.spawn("gateway", [sys.executable, "-m", "gateway"])
        self.wait_ready(ready_within)

    def ready(self) -> tuple[bool, list[str] | None]:
        """Whether ``/api/ready`` answers 200, and else the services it says are missing
        (None while the gateway itself does not answer)."""
        try:
            response = httpx.get(f"{self.url}/api/ready", timeout=5)
        except httpx.HTTPError:
            return False, None
        if response.status_code == 200:
            # Our gateway's JSON, not another server that took the port (a metrics endpoint
            # answers 200 to any GET).
            if not response.headers.get("content-type", "").startswith("application/json"):
                return False, None
            return True, []
        try:
            return False, list(response.json().get("missing", []))
        except ValueError:
            return False, None

    def wait_ready(self, seconds: float = 90) -> None:
        """Wait (at most ``seconds``) until every service of the territory answers."""
        deadline = time.monotonic() + seconds
        missing: list[str] | None = None
        while time.monotonic() < deadline:
            self.check_alive()
            ok, missing = self.ready()
            if ok:
                return
            time.sleep(0.3)
        if missing is None:
            what = f"the gateway does not answer on {self.url} (see {self.log_dir}/gateway.log)"
        else:
            logs = ", ".join(f"{self.log_dir}/{name}.log" for name in missing)
            what = f"no answer from {', '.join(missing)} (see {logs})"
        raise infra.InfraError(f"platform not ready after {seconds:.0f} s: {what}")

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise infra.InfraError(f"{name} exited with {process.returncode}:\n{tail}")

    def stop(self) -> None:
        # Gateway and services first, then the infrastructure they use.
        for name in reversed(list(self.processes)):
            self._stop(name, self.processes[name])
        self.processes.clear()

    @staticmethod
    def _stop(name: str, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.platform")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a territory on the embedded defaults")
    run.add_argument("--territory", default=os.environ.get("TERRITORY", "verdon"))
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    args = parser.parse_args(argv)

    profile = load_profile(args.territory)
    # One SecantusDB store for every territory: databases are named <territory>_<service>.
    var = ROOT / "var"
    platform = Platform(
        profile, var, Ports(gateway=args.port), admin_token=os.environ.get("MAILLAGE_ADMIN_TOKEN")
    )

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    # Explicitly: a process started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        print(f"Maillage — {profile.label} ({', '.join(profile.services)})", flush=True)
        print(f"· starting; waiting at most {READY_WAIT:.0f} s for /api/ready …", flush=True)
        try:
            platform.start(ready_within=READY_WAIT)
        except infra.InfraError as error:
            print(f"\n✗ {error}", file=sys.stderr, flush=True)
            raise SystemExit(1) from None
        demo = None
        if not args.no_demo and profile.demo:
            from .demo import load_demo

            demo = load_demo(platform.url, profile, platform.admin_token, platform.mongo_uri)
        print(summary(platform, demo), flush=True)
        while True:
            platform.check_alive()
            time.sleep(1)
    except KeyboardInterrupt:
        print("\n· stopping …", flush=True)
    finally:
        platform.stop()
        print("· stopped", flush=True)


def summary(platform: Platform, demo: DemoLoad | None = None) -> str:
    """What ``make run`` prints once ``/api/ready`` answers 200."""
    ports = platform.ports
    demo_line = (
        f"  Demo data      « {platform.profile.demo} »: "
        + ", ".join(f"{count} {what}" for what, count in demo.counts.items())
        if demo is not None
        else "  Demo data      not loaded"
    )
    lines = [
        "",
        f"  Ready          {platform.url}/api/ready — {', '.join(platform.profile.services)}",
        f"  Web client     {platform.url}/",
        f"  Web API        {platform.url}/docs   (capabilities: {platform.url}/api/capabilities)",
        f"  Metrics        {platform.url}/metrics, services on "
        + ", ".join(f"{s}:{ports.metrics[s]}" for s in platform.profile.services),
        f"  RabbitMQ       {platform.amqp_uri}",
        f"  MongoDB        {platform.mongo_uri} (SecantusDB, data in {platform.var / 'mongo'})",
        f"  Emails         smtp://127.0.0.1:{ports.smtp} → {platform.mail_dir}/*.eml",
        f"  Logs           {platform.log_dir}/",
        f"  Admin token    {platform.admin_token}",
        demo_line,
        *(account_lines(platform.profile, demo) if demo and demo.accounts else []),
        "",
        "  Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
