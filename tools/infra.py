"""The embedded infrastructure: RabbitMQ (system), SecantusDB and the SMTP sink (our processes)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pika

from .topology import consumers_for


class InfraError(SystemExit):
    pass


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not port_open(host, port):
        if time.monotonic() > deadline:
            raise InfraError(f"{what} did not open {host}:{port} within {seconds:.0f} s")
        time.sleep(0.2)


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free now: every socket is held until all are chosen (one at a
    time, the system may hand out a port it has just handed out, and two processes of one
    platform then fight for it)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def ensure_rabbitmq(host: str = "127.0.0.1", port: int = 5672, install: bool = True) -> None:
    """Use the running broker; else start the local one; else install it (root + apt)."""
    if port_open(host, port):
        return
    if host not in ("127.0.0.1", "localhost"):
        raise InfraError(f"RabbitMQ is not reachable at {host}:{port}")
    if shutil.which("rabbitmq-server") is None:
        if not install or os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise InfraError(
                "RabbitMQ is not installed. Install it with:\n"
                "  sudo apt-get update && sudo apt-get install -y rabbitmq-server\n"
                "or point MAILLAGE_AMQP_URI at a running broker."
            )
        print("· installing rabbitmq-server with apt-get …", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "rabbitmq-server"], check=True, env=env)
    if port_open(host, port):
        return
    if os.geteuid() != 0:
        raise InfraError(
            "RabbitMQ is installed but not running. Start it with:\n"
            "  sudo systemctl start rabbitmq-server   (or: sudo rabbitmq-server -detached)"
        )
    print("· starting rabbitmq-server …", flush=True)
    subprocess.run(["rabbitmq-server", "-detached"], check=False)
    wait_port(host, port, 90, "rabbitmq-server")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=120)


def ensure_vhost(vhost: str, user: str = "guest") -> None:
    """Create the territory's vhost on the local broker (no-op when it exists)."""
    if shutil.which("rabbitmqctl") is None:
        return  # a remote broker: its operator created the vhost
    try:
        if not _vhost_exists(vhost):
            rabbitmqctl("add_vhost", vhost)
        rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    except (subprocess.CalledProcessError, OSError) as exc:  # typically: not root
        raise InfraError(
            f"could not prepare the RabbitMQ vhost {vhost} ({exc}). As root, run:\n"
            f"  rabbitmqctl add_vhost {vhost}\n"
            f"  rabbitmqctl set_permissions -p {vhost} {user} '.*' '.*' '.*'"
        ) from exc


def _vhost_exists(vhost: str) -> bool:
    out = subprocess.run(
        ["rabbitmqctl", "-q", "list_vhosts"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split()
    return vhost in out


def delete_vhost(vhost: str) -> None:
    if shutil.which("rabbitmqctl"):
        subprocess.run(
            ["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=120
        )


def declare_topology(amqp_uri: str, services: tuple[str, ...]) -> list[str]:
    """Declare the event exchanges and consumer queues of the deployed consumers."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        queues = []
        for consumer in consumers_for(services):
            channel.exchange_declare(consumer.exchange, exchange_type="topic", durable=True)
            channel.queue_declare(consumer.queue, durable=True)
            channel.queue_bind(consumer.queue, consumer.exchange, routing_key=consumer.event_type)
            queues.append(consumer.queue)
        return queues
    finally:
        connection.close()


def secantus_command(port: int, storage: Path) -> list[str]:
    binary = Path(sys.executable).with_name("secantusd-py")
    return [
        str(binary),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(storage),
        "--standalone",
        "--log-level",
        "WARNING",
    ]


def smtp_sink_command(
    port: int, directory: Path, refuse_domains: tuple[str, ...] = ()
) -> list[str]:
    """The development SMTP sink; recipients at ``refuse_domains`` are refused (550)."""
    refuse = [arg for domain in refuse_domains for arg in ("--refuse-domain", domain)]
    return [
        sys.executable,
        "-m",
        "tools.smtp_sink",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(directory),
        *refuse,
    ]


if __name__ == "__main__":
    if sys.argv[1:] == ["ensure-rabbitmq"]:
        ensure_rabbitmq()
    else:
        raise SystemExit("usage: python -m tools.infra ensure-rabbitmq")
