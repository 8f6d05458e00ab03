"""The platform as real processes: services, gateway, SecantusDB, SMTP sink, RabbitMQ vhost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tools import infra
from tools.platform import Platform, Ports
from tools.profiles import load_profile

from .helpers import ADMIN_TOKEN

FAST = {
    "MAILLAGE_HANDLER_RETRY_BASE_SECONDS": "0.2",
    "MAILLAGE_OUTBOX_POLL_SECONDS": "0.2",
    "MAILLAGE_EMAIL_POLL_SECONDS": "0.2",
    "MAILLAGE_EMAIL_RETRY_BASE_SECONDS": "0.2",
    "MAILLAGE_EMAIL_RETRY_MAX_SECONDS": "2",
    # A claim cut by a database crash (tests/fault) is taken over within the tests' waits.
    "MAILLAGE_EMAIL_CLAIM_SECONDS": "5",
    "MAILLAGE_CAPABILITIES_TTL": "0.2",
    "MAILLAGE_RPC_TIMEOUT": "10",
    # Every test signs members up and in from 127.0.0.1: the per-IP limit of the sign-in and
    # sign-up routes would refuse a module's fiftieth (the per-address limit stays as is).
    "MAILLAGE_RATE_LIMIT_PER_IP": "1000",
}


def start_platform(territory: str, var) -> Platform:
    infra.ensure_rabbitmq(install=False)
    platform = Platform(
        load_profile(territory),
        var,
        Ports.free(),
        vhost=f"maillage_e2e_{uuid.uuid4().hex[:8]}",
        extra_env=FAST,
        admin_token=ADMIN_TOKEN,
    )
    try:
        platform.start()
    except BaseException:
        platform.stop()
        infra.delete_vhost(platform.vhost)
        raise
    return platform


@contextmanager
def running(territory: str, tmp_path_factory) -> Iterator[Platform]:
    platform = start_platform(territory, tmp_path_factory.mktemp(territory))
    try:
        yield platform
    finally:
        platform.stop()
        infra.delete_vhost(platform.vhost)


@pytest.fixture(scope="module")
def verdon(tmp_path_factory):
    with running("verdon", tmp_path_factory) as platform:
        yield platform


@pytest.fixture
def api(verdon):
    with httpx.Client(base_url=verdon.url, timeout=30) as client:
        yield client
