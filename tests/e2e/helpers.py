from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tests.samples import PLACE  # noqa: F401  (re-exported for the e2e tests)


def day(offset_days: int, hour: int) -> str:
    base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(days=offset_days, hours=hour)).isoformat()


def emails(directory: Path, to: str | None = None) -> list:
    parser = BytesParser(policy=policy.default)
    found = [parser.parsebytes(p.read_bytes()) for p in sorted(directory.glob("*.eml"))]
    if to:
        found = [m for m in found if any(a.addr_spec == to for a in m["To"].addresses)]
    return found


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body
