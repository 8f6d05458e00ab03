"""The RPC client's own behaviour, without a broker."""

from __future__ import annotations

import pytest

from gateway.rpc_client import ServiceUnavailable


def test_a_saturated_pool_answers_503_instead_of_waiting_forever():
    from gateway.rpc_client import RpcClient

    pool = RpcClient("amqp://guest:guest@127.0.0.1:1/none", pool_size=1, timeout=0.2)
    pool._free.get_nowait()  # the only connection is taken by someone else
    with pytest.raises(ServiceUnavailable) as error:
        pool.call("booking", "health")
    assert error.value.service == "booking" and "saturated" in error.value.reason
