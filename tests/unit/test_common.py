"""The shared library's pure parts: errors across RPC, validation, backoff, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.common.errors import (
    CapacityExceeded,
    ValidationFailed,
    error_class,
    remote_details,
)
from services.common.settings import Settings
from services.common.validation import fingerprint, parse
from services.directory.schemas import PlaceIn


def test_error_details_survive_nameko_serialisation():
    from nameko.exceptions import serialize

    error = CapacityExceeded("complet", {"seats_total": 2, "seats_taken": 2})
    wire = serialize(error)
    assert error_class(wire["exc_type"]) is CapacityExceeded
    detail, extra = remote_details(wire["exc_args"])
    assert detail == "complet"
    assert extra == {"seats_total": 2, "seats_taken": 2}  # numbers stay numbers
    assert error_class("KeyError") is None


def test_remote_details_tolerate_foreign_args():
    assert remote_details([]) == ("", {})
    assert remote_details(["x", "not json"]) == ("x", {})


def test_parse_turns_pydantic_errors_into_field_errors():
    with pytest.raises(ValidationFailed) as error:
        parse(
            PlaceIn,
            {
                "name": "",
                "commune": "Riez",
                "postal_code": "4500",
                "status": "open",
                "location": {"lat": 43.8, "lon": 6.1},
                "extra": 1,
            },
        )
    fields = {e["field"] for e in error.value.extra["errors"]}
    assert fields == {"name", "postal_code", "extra"}


def test_fingerprint_ignores_key_order_and_sees_values():
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_backoff_doubles_and_is_capped():
    from services.common.inbox import backoff

    assert [backoff(n, 2).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(40, 2) == timedelta(seconds=3600)


def test_settings_name_databases_per_territory(monkeypatch):
    monkeypatch.setenv("MAILLAGE_TERRITORY", "lozere")
    settings = Settings()
    assert settings.database_name("booking") == "lozere_booking"
    assert settings.metrics_port_for("notifications") == 9104
    monkeypatch.setenv("MAILLAGE_TERRITORY", "Not A Name!")
    with pytest.raises(ValueError):
        Settings()
