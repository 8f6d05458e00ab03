"""FastAPI dependencies: the RPC client, the correlation id, the idempotency key and the
operator's bearer token."""

from __future__ import annotations

import hmac
import re
import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from pymongo.database import Database

from .problems import ProblemException
from .rpc_client import RpcClient

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")


def get_rpc(request: Request) -> RpcClient:
    return request.app.state.rpc


def get_db(request: Request) -> Database:
    """The gateway's own database (accounts, sessions, audit log)."""
    return request.app.state.db


GatewayDb = Annotated[Database, Depends(get_db)]


class Services:
    """Calls services on behalf of one HTTP request, carrying its correlation id."""

    def __init__(self, rpc: RpcClient, correlation_id: str) -> None:
        self.rpc = rpc
        self.correlation_id = correlation_id

    def call(self, service: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.rpc.call(
            service, method, *args, context={"correlation_id": self.correlation_id}, **kwargs
        )


def get_services(request: Request, rpc: Annotated[RpcClient, Depends(get_rpc)]) -> Services:
    return Services(rpc, request.state.correlation_id)


def idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> str:
    """The client's key, or a fresh one: a redelivered RPC then still runs only once."""
    if key is None:
        return uuid.uuid4().hex
    if not KEY_PATTERN.match(key):
        raise ProblemException(400, "bad_idempotency_key")
    return key


ServicesDep = Annotated[Services, Depends(get_services)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]


def require_admin(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """The operator's routes: off without ``MAILLAGE_ADMIN_TOKEN``, else its bearer token."""
    token = request.app.state.settings.admin_token
    if not token:
        raise ProblemException(403, "admin_disabled")
    if not hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode()):
        raise ProblemException(401, "admin_token_invalid")


AdminOnly = Depends(require_admin)
