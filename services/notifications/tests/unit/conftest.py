"""Notifications' unit tests run against mongomock, the link secret's cache emptied around
each test (it is kept per database name)."""

from __future__ import annotations

import pytest

from services.notifications import commands
from services.notifications.models import ALIAS
from tests.support import mongomock_alias


@pytest.fixture(autouse=True)
def db():
    commands._known.clear()
    with mongomock_alias(ALIAS) as database:
        yield database
    commands._known.clear()
