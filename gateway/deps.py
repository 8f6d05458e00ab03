"""FastAPI dependencies: the RPC client, the correlation id and the idempotency key."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from fastapi import Depends, Header, Request

from .problems import ProblemException
from .rpc_client import RpcClient

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,200}$")


def get_rpc(request: Request) -> RpcClient:
    return request.app.state.rpc


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
        raise ProblemException(
            400,
            "Idempotency-Key: 1 à 200 caractères parmi A-Z a-z 0-9 . _ : -",
            code="bad_idempotency_key",
        )
    return key


ServicesDep = Annotated[Services, Depends(get_services)]
IdempotencyKey = Annotated[str, Depends(idempotency_key)]
