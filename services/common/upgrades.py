"""Bringing an earlier version's documents up to date when a service starts.

A service lists its upgrade steps (functions of the pymongo ``Database``, each idempotent and
safe with several instances starting at once); they run in order in ``setup``, before any
entrypoint serves, on their own connection to the service's database."""

from __future__ import annotations

from collections.abc import Callable

from nameko.extensions import DependencyProvider
from pymongo.database import Database

from .db import connect_alias

UpgradeStep = Callable[[Database], object]


class StartupUpgrades(DependencyProvider):
    def __init__(self, alias: str, *steps: UpgradeStep) -> None:
        self.alias = alias
        self.steps = steps

    def setup(self) -> None:
        db = connect_alias(self.alias)
        for step in self.steps:
            step(db)
