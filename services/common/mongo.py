"""MongoDB rules every process shares, the gateway included: pure pymongo, no nameko.

How an acknowledged write is made durable, and which errors mean "the database is away".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from pymongo import MongoClient
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError, WTimeoutError

# Server errors that mean "no primary to take this write now" (shutting down, stepped down,
# not primary, write concern not met in time), not "this request is wrong".
UNAVAILABLE_CODES = {
    6,  # HostUnreachable
    7,  # HostNotFound
    64,  # WriteConcernFailed
    89,  # NetworkTimeout
    91,  # ShutdownInProgress
    189,  # PrimarySteppedDown
    9001,  # SocketException
    10107,  # NotWritablePrimary
    11600,  # InterruptedAtShutdown
    11602,  # InterruptedDueToReplStateChange
    13435,  # NotPrimaryNoSecondaryOk
    13436,  # NotPrimaryOrSecondary
}


def write_concern(uri: str, setting: str = "auto", journal: bool = True) -> dict[str, Any]:
    """The write concern every connection gets, as ``MongoClient`` keywords.

    An acknowledged write must survive a crash of the database: journaled (``j``) on one
    node, and on a majority of a replica set. ``setting`` is ``auto`` (``majority`` when the
    URI names a ``replicaSet``, else ``1``), ``majority`` or a number of nodes.
    """
    if setting == "auto":
        query = parse_qs(urlsplit(uri).query)
        w: int | str = "majority" if query.get("replicaSet") else 1
    elif setting.isdigit():
        w = int(setting)
    else:
        w = setting
    return {"w": w, "journal": journal}


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether an exception (or one it was raised from: mongoengine wraps pymongo's errors)
    means the database cannot be reached or cannot take writes right now."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ConnectionFailure | WTimeoutError):
            return True
        if isinstance(exc, OperationFailure) and exc.code in UNAVAILABLE_CODES:
            return True
        if isinstance(exc, PyMongoError) and exc.has_error_label("RetryableWriteError"):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def open_client(
    uri: str, timeout_ms: int, concern: str = "auto", journal: bool = True
) -> MongoClient:
    """A client with the durable write concern, aware datetimes and a bounded wait for a
    server (pymongo's default is 30 s)."""
    return MongoClient(
        uri,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=timeout_ms,
        **write_concern(uri, concern, journal),
    )
