"""Settings for code running inside a nameko container.

Environment variables give the defaults; the nameko config key ``MAILLAGE`` overrides them
(tests use it to point one container at its own database).
"""

from __future__ import annotations

from .settings import Settings


def container_settings() -> Settings:
    from nameko import config

    return Settings(**(config.get("MAILLAGE") or {}))
