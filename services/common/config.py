"""Settings for code running inside a nameko container.

Environment variables give the defaults; the nameko config key ``MAILLAGE`` overrides them
(tests use it to point one container at its own database).
"""

from __future__ import annotations

import os
from functools import lru_cache

from .settings import Settings


def container_settings() -> Settings:
    """The container's settings. Built once per distinct config and ``MAILLAGE_*``
    environment: reading them costs about a millisecond (pydantic-settings parses the
    environment), and they are asked for on every booking and every event handled."""
    from nameko import config

    overrides = config.get("MAILLAGE") or {}
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("MAILLAGE_")))
    try:
        return _built(tuple(sorted(overrides.items())), env)
    except TypeError:  # an unhashable override (a list): built each time, as before
        return Settings(**overrides)


@lru_cache(maxsize=32)
def _built(overrides: tuple, env: tuple) -> Settings:
    return Settings(**dict(overrides))
