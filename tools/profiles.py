"""Territory profiles (``deploy/territories/<name>.yaml``): which services a territory runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from contracts import SERVICE_NAMES

ROOT = Path(__file__).resolve().parent.parent
PROFILES_DIR = ROOT / "deploy" / "territories"


@dataclass(frozen=True)
class Profile:
    territory: str
    label: str
    services: tuple[str, ...]
    coordinator_email: str
    demo: str | None


def load_profile(name: str) -> Profile:
    path = PROFILES_DIR / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise SystemExit(f"unknown territory profile {name!r}; known: {known}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    services = tuple(raw["services"])
    unknown = set(services) - set(SERVICE_NAMES)
    if unknown:
        raise SystemExit(f"{path}: unknown services {sorted(unknown)}")
    return Profile(
        territory=raw["territory"],
        label=raw.get("label", raw["territory"]),
        services=services,
        coordinator_email=raw.get("coordinator_email", "coordination@maillage.local"),
        demo=raw.get("demo"),
    )
