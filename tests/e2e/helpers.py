"""Helpers of the end-to-end tests; the shared ones live in ``tests/support.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.samples import PLACE  # noqa: F401  (re-exported for the e2e tests)
from tests.support import read_emails as emails  # noqa: F401
from tests.support import wait_until as wait_for  # noqa: F401


def day(offset_days: int, hour: int) -> str:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=offset_days, hours=hour)).isoformat()


def booking_for(
    resource_id: str, email: str, name: str = "Véronique", offset_days: int = 3, hour: int = 9
) -> dict:
    """A one-hour booking request, ``offset_days`` from today at ``hour`` (UTC)."""
    return {
        "resource_id": resource_id,
        "start": day(offset_days, hour),
        "end": day(offset_days, hour + 1),
        "name": name,
        "email": email,
    }


def add_resource(api, place_id: str, body: dict) -> dict:
    """Create a resource of a place just created: booking learns of places from the
    directory's events, so it may answer ``unknown_place`` for a moment."""

    def attempt():
        response = api.post(f"/api/places/{place_id}/resources", json=body)
        if response.status_code == 404 and response.json().get("code") == "unknown_place":
            return None
        assert response.status_code == 201, response.text
        return response.json()

    return wait_for(attempt, timeout=15)


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def deliveries(platform, limit: int = 500) -> list[dict]:
    """The notifications service's delivery log, asked over RPC as an operator would."""
    from gateway.rpc_client import RpcClient

    client = RpcClient(platform.amqp_uri, pool_size=1, timeout=10)
    try:
        return client.call("notifications", "deliveries", limit)
    finally:
        client.close()
