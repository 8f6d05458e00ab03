"""Load a territory's demo data through the public API, idempotently.

Every write carries an ``Idempotency-Key`` derived from the demo record's key, so running it
again (a second ``make run``) creates nothing new.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import httpx

from .profiles import ROOT, Profile

DEMO_DIR = ROOT / "deploy" / "demo"


@dataclass
class DemoLoad:
    """What the demo data came to: each record's key and the id the platform gave it."""

    places: dict[str, str] = field(default_factory=dict)  # place key → place id
    resources: dict[str, str] = field(default_factory=dict)  # "place/resource" → resource id

    @property
    def counts(self) -> dict[str, int]:
        return {"places": len(self.places), "resources": len(self.resources)}


def load_demo(base_url: str, profile: Profile) -> DemoLoad:
    """Create the profile's demo places (and their resources where booking runs) through the
    API; a second load finds them by their idempotency keys and creates nothing."""
    data = json.loads((DEMO_DIR / f"{profile.demo}.json").read_text(encoding="utf-8"))
    loaded = DemoLoad()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        caps = client.get("/api/capabilities").json()["services"]
        if not caps.get("directory"):
            return loaded
        for place in data["places"]:
            body = {k: place[k] for k in ("name", "commune", "postal_code", "status", "location")}
            key = f"demo-{profile.territory}-place-{place['key']}"
            created = post_created(client, "/api/places", body, key)
            loaded.places[place["key"]] = created["id"]
            if not caps.get("booking"):
                continue
            for resource in place.get("resources", []):
                body = {k: resource[k] for k in ("name", "kind", "seats")}
                key = f"demo-{profile.territory}-resource-{place['key']}-{resource['key']}"
                made = post_created(client, f"/api/places/{created['id']}/resources", body, key)
                loaded.resources[f"{place['key']}/{resource['key']}"] = made["id"]
    return loaded


def post_created(
    client: httpx.Client, path: str, body: dict, key: str | None = None, patience: float = 15.0
) -> dict:
    """POST and expect 201. Booking learns of a new place from the directory's events, so a
    resource of a place created a moment ago may be refused ``unknown_place`` for a while:
    the same request (same key) is tried again until ``patience`` runs out."""
    headers = {"Idempotency-Key": key} if key else {}
    deadline = time.monotonic() + patience
    while True:
        response = client.post(path, json=body, headers=headers)
        waiting = response.status_code == 404 and response.json().get("code") == "unknown_place"
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path} → {response.status_code} {response.text}")
    return response.json()
