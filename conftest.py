"""Real infrastructure for the tests: a fresh RabbitMQ vhost and a SecantusDB per run."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tools import infra


@pytest.fixture(scope="session")
def amqp_vhost() -> str:
    """A vhost made for this run on the local broker, deleted afterwards."""
    infra.ensure_rabbitmq(install=False)
    vhost = f"maillage_test_{uuid.uuid4().hex[:10]}"
    infra.ensure_vhost(vhost)
    yield vhost
    infra.delete_vhost(vhost)


@pytest.fixture(scope="session")
def amqp_uri(amqp_vhost: str) -> str:
    return f"amqp://guest:guest@127.0.0.1:5672/{amqp_vhost}"


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory) -> str:
    """A SecantusDB server (MongoDB wire protocol) as its own process."""
    port = infra.free_port()
    storage: Path = tmp_path_factory.mktemp("secantus")
    log = open(storage.parent / f"secantus-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(infra.secantus_command(port, storage), stdout=log, stderr=log)
    try:
        infra.wait_port("127.0.0.1", port, 60, "SecantusDB")
        yield f"mongodb://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        shutil.rmtree(storage, ignore_errors=True)
