"""Callers the services' tests act as (``contracts.identity.Caller``, as the gateway sends them),
and ``as_``: an RPC client that sends one in the context, to import into a ``conftest``.

The places ``p1`` (unit tests) and ``place-1`` (service tests) are Riez, which the facilitator
manages; ``p2`` and ``place-2`` are Moustiers, which another facilitator manages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from nameko.standalone.rpc import ClusterRpcClient

from contracts.identity import ANONYMOUS, CONTEXT_KEY, Caller, TerritoryRole

VERONIQUE = Caller(member_id="m-veronique", email="veronique@example.org", name="Véronique")
THIERRY = Caller(member_id="m-thierry", email="thierry@example.org", name="Thierry")
MANAGER = Caller(
    member_id="m-riez",
    email="facilitateur@riez.example.org",
    name="Facilitateur de Riez",
    manages=("p1", "place-1"),
)
OTHER_MANAGER = Caller(
    member_id="m-moustiers",
    email="facilitatrice@moustiers.example.org",
    name="Facilitatrice de Moustiers",
    manages=("p2", "place-2"),
)
COORDINATOR = Caller(
    member_id="m-coord", email="coord@example.org", roles=(TerritoryRole.coordinator,)
)
ADMIN = Caller(member_id="m-admin", email="admin@example.org", roles=(TerritoryRole.admin,))
# The MAILLAGE_ADMIN_TOKEN bearer: an admin with no member, hence no address, behind it.
OPERATOR = Caller(roles=(TerritoryRole.admin,), operator=True)

NAMES = {
    id(VERONIQUE): "member",
    id(THIERRY): "other-member",
    id(MANAGER): "manager",
    id(OTHER_MANAGER): "other-place-manager",
    id(COORDINATOR): "coordinator",
    id(ADMIN): "admin",
    id(OPERATOR): "operator",
    id(ANONYMOUS): "anonymous",
}


def name(who: Caller) -> str:
    """A test id for a caller (``ids=name`` in ``parametrize``)."""
    return NAMES.get(id(who), "caller")


@pytest.fixture
def as_(service_config) -> Iterator[Callable[..., ClusterRpcClient]]:
    """``as_(caller)``: an RPC client that sends this caller, as the gateway does;
    ``as_(None, raw=...)`` sends a raw (forged or malformed) context instead."""
    clients: list[ClusterRpcClient] = []

    def make(who: Caller | None, raw: str | None = None, timeout: float = 15) -> ClusterRpcClient:
        context = {}
        if who is not None:
            context[CONTEXT_KEY] = who.to_context()
        if raw is not None:
            context[CONTEXT_KEY] = raw
        client = ClusterRpcClient(timeout=timeout, context_data=context)
        clients.append(client)
        return client.start()

    yield make
    for client in clients:
        client.stop()
