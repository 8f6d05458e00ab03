"""directory's answer to a member's export (GDPR art. 15/20), through real RPC: it holds nothing
about members today and says so, under its own name; anonymous is refused."""

from __future__ import annotations

import pytest
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcClient

from contracts.identity import CONTEXT_KEY, Caller
from services.directory.service import DirectoryService
from tests.support import error_code

MEMBER = Caller(member_id="m-ondine", email="ondine@example.org", name="Ondine")


def test_the_export_names_the_service_and_holds_nothing(start_service):
    start_service(DirectoryService)
    with ClusterRpcClient(timeout=15, context_data={CONTEXT_KEY: MEMBER.to_context()}) as rpc:
        assert rpc.directory.export_member() == {"service": "directory"}
    with ClusterRpcClient(timeout=15) as nobody, pytest.raises(RemoteError) as refusal:
        nobody.directory.export_member()
    assert error_code(refusal.value) == "authentication_required"
