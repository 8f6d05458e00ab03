"""The shared library's pure parts: errors across RPC, validation, backoff, settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.booking import NoSeatLeft
from contracts.directory import PlaceIn
from contracts.errors import ERRORS_BY_CODE, MaillageError, ValidationFailed, remote_error
from services.common.settings import Settings
from services.common.validation import fingerprint, parse


def test_error_code_and_params_survive_nameko_serialisation():
    from nameko.exceptions import serialize

    error = NoSeatLeft("full", seats_total=2, seats_taken=2)
    wire = serialize(error)
    cls, code, params = remote_error(wire["exc_args"])
    assert (cls, code) == (NoSeatLeft, "no_seat_left")
    assert params == {"seats_total": 2, "seats_taken": 2}  # numbers stay numbers
    assert cls.status == 409


def test_remote_error_tolerates_foreign_args():
    assert remote_error([]) == (None, "", {})
    assert remote_error(["x", "not json"]) == (None, "", {})
    assert remote_error(["x", '{"code": "made_up"}']) == (None, "made_up", {})


def test_an_error_code_is_declared_once():
    with pytest.raises(TypeError):

        class Again(MaillageError):  # noqa: F841
            code = "no_seat_left"

    assert ERRORS_BY_CODE["no_seat_left"] is NoSeatLeft


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
    fields = {e["field"] for e in error.value.params["errors"]}
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
    monkeypatch.setenv("MAILLAGE_TERRITORY", "Not A Name!")
    with pytest.raises(ValueError):
        Settings()


def test_container_settings_are_built_once_per_config_and_environment(monkeypatch):
    from nameko import config

    from services.common.config import container_settings

    with config.patch({"MAILLAGE": {"territory": "verdon"}}):
        first = container_settings()
        assert container_settings() is first  # not parsed again on each booking
        monkeypatch.setenv("MAILLAGE_RPC_TIMEOUT", "3")
        changed = container_settings()
        assert changed is not first and changed.rpc_timeout == 3
    with config.patch({"MAILLAGE": {"territory": "lozere"}}):
        assert container_settings().database_name("booking") == "lozere_booking"
