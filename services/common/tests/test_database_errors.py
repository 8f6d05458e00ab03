"""A database away is a typed, temporary error (503), never an internal one; every connection
writes with a journaled write concern."""

from __future__ import annotations

import sys

import mongoengine
import pytest
from mongoengine.errors import OperationError
from nameko.exceptions import serialize
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    NotPrimaryError,
    OperationFailure,
    ServerSelectionTimeoutError,
    WriteConcernError,
    WTimeoutError,
)

from contracts.errors import DatabaseUnavailable, remote_error
from services.common.db import connect, disconnect
from services.common.mongo import is_unavailable, write_concern
from services.common.rpc import public_error
from services.common.settings import Settings

UNAVAILABLE = [
    ServerSelectionTimeoutError("No servers found yet"),
    AutoReconnect("connection reset"),
    NetworkTimeout("timed out"),
    NotPrimaryError("not primary"),
    WTimeoutError("waiting for replication timed out", 64),
    OperationFailure("interrupted at shutdown", 11600),
    OperationFailure("shutdown in progress", 91),
    OperationFailure("primary stepped down", 189),
    OperationFailure("not writable primary", 10107),
]
NOT_UNAVAILABLE = [
    DuplicateKeyError("E11000 duplicate key", 11000),
    OperationFailure("unknown operator: $foo", 2),
    WriteConcernError("no such tag", 79),
    ValueError("a bug"),
    KeyError("payload"),
]


def exc_info_of(error: BaseException):
    try:
        raise error
    except BaseException:
        return sys.exc_info()


@pytest.mark.parametrize("error", UNAVAILABLE, ids=lambda e: type(e).__name__)
def test_a_database_away_answers_database_unavailable(error):
    assert is_unavailable(error)
    cls, replaced, _tb = public_error(exc_info_of(error))
    assert cls is DatabaseUnavailable and isinstance(replaced, DatabaseUnavailable)
    # what the gateway reads off the wire: the stable code, hence 503
    decoded, code, _params = remote_error(serialize(replaced)["exc_args"])
    assert (decoded, code, decoded.status) == (DatabaseUnavailable, "database_unavailable", 503)


@pytest.mark.parametrize("error", NOT_UNAVAILABLE, ids=lambda e: type(e).__name__)
def test_other_errors_pass_through_unchanged(error):
    assert not is_unavailable(error)
    info = exc_info_of(error)
    assert public_error(info) is info


def test_an_error_mongoengine_wrapped_is_recognised_by_its_cause():
    # mongoengine turns pymongo's OperationFailure (WTimeoutError among them) into its own
    # OperationError "from" the original
    try:
        try:
            raise WTimeoutError("waiting for replication timed out", 64)
        except OperationFailure as err:
            raise OperationError(f"Could not save document ({err})") from err
    except OperationError as wrapped:
        assert is_unavailable(wrapped)


def test_a_retryable_write_label_means_unavailable():
    error = OperationFailure("whatever", 1234, {"errorLabels": ["RetryableWriteError"]})
    assert is_unavailable(error)


def test_no_error_is_no_error():
    assert public_error(None) is None


@pytest.mark.parametrize(
    ("uri", "setting", "expected"),
    [
        ("mongodb://127.0.0.1:27017/", "auto", 1),
        ("mongodb://mongo:27017/?replicaSet=rs0", "auto", "majority"),
        ("mongodb://a:1,b:2/?retryWrites=true&replicaSet=rs0", "auto", "majority"),
        ("mongodb://127.0.0.1:27017/", "majority", "majority"),
        ("mongodb://mongo:27017/?replicaSet=rs0", "1", 1),
    ],
)
def test_write_concern_is_journaled_and_majority_on_a_replica_set(uri, setting, expected):
    assert write_concern(uri, setting) == {"w": expected, "journal": True}
    assert write_concern(uri, setting, journal=False)["journal"] is False


def test_the_settings_default_to_journaled_writes_and_a_short_selection_timeout():
    settings = Settings()
    assert (settings.mongo_write_concern, settings.mongo_journal) == ("auto", True)
    # 503 within 5 s end to end: server selection gives up well before
    assert settings.mongo_timeout_ms <= 1500
    with pytest.raises(ValueError):
        Settings(mongo_write_concern="w1")


def test_every_collection_of_a_connection_inherits_its_write_concern():
    """The outbox and the inbox reach their collections through the same alias."""

    class Probe(mongoengine.Document):
        meta = {"db_alias": "wc-probe", "collection": "probe"}

    try:
        # no server needed: pymongo connects lazily
        db = connect("wc-probe", "mongodb://127.0.0.1:1/?replicaSet=rs0", "unit_wc")
        for collection in (db["anything"], Probe._get_db()[Probe._meta["collection"]]):
            assert collection.write_concern.document == {"w": "majority", "j": True}
        db = connect("wc-probe", "mongodb://127.0.0.1:1/", "unit_wc")
        assert db["anything"].write_concern.document == {"w": 1, "j": True}
    finally:
        disconnect("wc-probe")
