"""Fixtures of the notifications service tests: the service with quick email rounds, and its
database."""

from __future__ import annotations

import pytest
from pymongo import MongoClient

from services.common.tests.callers import as_  # noqa: F401 (a fixture)
from services.notifications.service import NotificationsService


@pytest.fixture(autouse=True)
def quick_email(service_config):
    """Email rounds and retries in tenths of a second (read by the sender on each round)."""
    service_config["MAILLAGE"].update(email_poll_seconds=0.1, email_retry_base_seconds=0.1)


@pytest.fixture
def notifications(start_service):
    return start_service(NotificationsService)


@pytest.fixture
def db(mongo_uri, territory):
    client = MongoClient(mongo_uri)
    yield client[f"{territory}_notifications"]
    client.close()
