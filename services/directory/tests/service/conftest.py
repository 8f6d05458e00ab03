"""Directory's service fixtures: clients that send a caller, as the gateway does."""

from __future__ import annotations

import pytest

from services.common.tests.callers import (
    COORDINATOR,
    as_,  # noqa: F401 (a fixture)
)


@pytest.fixture
def coordinator(as_):  # noqa: F811 (the fixture above)
    """The Verdon's coordinator, who adds places."""
    return as_(COORDINATOR)
