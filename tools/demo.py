"""Load a territory's demo data through the public API, idempotently.

Every write carries an ``Idempotency-Key`` derived from the demo record's key, so running it
again (a second ``make run``) creates nothing new.
"""

from __future__ import annotations

import json

import httpx

from .profiles import ROOT, Profile

DEMO_DIR = ROOT / "deploy" / "demo"


def load_demo(base_url: str, profile: Profile) -> dict[str, int]:
    data = json.loads((DEMO_DIR / f"{profile.demo}.json").read_text(encoding="utf-8"))
    counts = {"places": 0, "resources": 0}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        caps = client.get("/api/capabilities").json()["services"]
        if not caps.get("directory"):
            return counts
        for place in data["places"]:
            body = {k: place[k] for k in ("name", "commune", "postal_code", "status", "location")}
            key = f"demo-{profile.territory}-place-{place['key']}"
            created = _post(client, "/api/places", body, key)
            counts["places"] += 1
            if not caps.get("booking"):
                continue
            for resource in place.get("resources", []):
                body = {k: resource[k] for k in ("name", "kind", "seats")}
                key = f"demo-{profile.territory}-resource-{place['key']}-{resource['key']}"
                _post(client, f"/api/places/{created['id']}/resources", body, key)
                counts["resources"] += 1
    return counts


def _post(client: httpx.Client, path: str, body: dict, key: str) -> dict:
    response = client.post(path, json=body, headers={"Idempotency-Key": key})
    if response.status_code != 201:
        raise RuntimeError(f"demo data: POST {path} → {response.status_code} {response.text}")
    return response.json()
