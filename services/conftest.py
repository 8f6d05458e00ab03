"""Service tests: nameko containers against the run's vhost and SecantusDB.

Each test gets its own territory name, hence its own databases.
"""

from __future__ import annotations

import subprocess
import uuid

import pika
import pytest
from nameko import config
from nameko.standalone.rpc import ClusterRpcClient

from tests.support import RESULT, read_emails, replace_with_autospec
from tools import infra
from tools.topology import all_consumers


@pytest.fixture
def territory() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def purge_consumer_queues(amqp_uri: str) -> None:
    """Empty every consumer queue of the run's vhost. nameko names a handler's queue after the
    handler, not the territory, so every test of the run shares it: without this, events a
    previous test published while no consumer ran would reach this test's consumers."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    try:
        channel = connection.channel()
        for consumer in all_consumers():
            channel.queue_declare(consumer.queue, durable=True)  # as nameko declares it
            channel.queue_purge(consumer.queue)
    finally:
        connection.close()


@pytest.fixture
def service_config(amqp_uri: str, mongo_uri: str, territory: str, smtp_server):
    purge_consumer_queues(amqp_uri)
    overrides = {
        "AMQP_URI": amqp_uri,
        "MAILLAGE": {
            "territory": territory,
            "mongo_uri": mongo_uri,
            "metrics_enabled": False,
            "smtp_port": smtp_server.port,
            "handler_retry_base_seconds": 0.2,
            "handler_max_attempts": 3,
            "outbox_poll_seconds": 0.2,
        },
    }
    with config.patch(overrides):
        yield overrides


@pytest.fixture
def delegate(monkeypatch):
    """``delegate(module, name)`` puts a mock with the real function's signature, answering
    ``tests.support.RESULT``, in place of ``module.name``: an entrypoint's unit test then
    checks what it hands over, and with which arguments."""

    def replace(module, name: str):
        return replace_with_autospec(monkeypatch, module, name, RESULT)

    return replace


@pytest.fixture
def start_service(container_factory, service_config):
    """Start a service class in this test's territory (stopped with the test)."""

    def start(service_cls):
        container = container_factory(service_cls)
        container.start()
        return container

    return start


@pytest.fixture
def rpc_client(service_config):
    with ClusterRpcClient(timeout=15) as client:
        yield client


@pytest.fixture
def operator(service_config):
    """An RPC client with the operator's identity (``MAILLAGE_ADMIN_TOKEN``: a territory admin
    with no member): the delivery log and the dead letters are theirs alone."""
    from contracts.identity import CONTEXT_KEY
    from services.common.tests.callers import OPERATOR

    context = {CONTEXT_KEY: OPERATOR.to_context()}
    with ClusterRpcClient(timeout=15, context_data=context) as client:
        yield client


class SmtpServer:
    def __init__(self, port: int, directory) -> None:
        self.port = port
        self.directory = directory

    def messages(self):
        return read_emails(self.directory)


@pytest.fixture
def smtp_server(tmp_path):
    """A real SMTP server (the development sink) in its own process, storing .eml files.

    Its own process because aiosmtpd's asyncio thread does not mix with eventlet's patching.
    """
    port = infra.free_port()
    directory = tmp_path / "mail"
    process = subprocess.Popen(infra.smtp_sink_command(port, directory))
    try:
        infra.wait_port("127.0.0.1", port, 30, "SMTP sink")
        yield SmtpServer(port, directory)
    finally:
        process.terminate()
        process.wait(timeout=10)
