"""The RPC client's own behaviour, without a broker: pika's ``BlockingConnection`` is replaced
by a small in-memory broker that can drop connections, refuse them, or break one after a
request left."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from pika.exceptions import AMQPConnectionError, ChannelWrongStateError, StreamLostError

from gateway import rpc_client
from gateway.rpc_client import BusUnreachable, RpcClient, ServiceUnavailable


class FakeBroker:
    """Connections, what was published on them, and the faults to inject."""

    def __init__(self) -> None:
        self.connections: list[FakeConnection] = []
        self.published: list[dict] = []
        self.refuse = 0  # how many connection attempts to refuse (broker down)
        self.lose_after_publish = False  # the connection breaks once a request left
        self.lose_during_publish = False  # it breaks while waiting for the publish's confirm
        self.closed_channel = False  # the next channel refuses its publish before writing

    def connect(self, parameters) -> FakeConnection:
        if self.refuse:
            self.refuse -= 1
            raise AMQPConnectionError("connection refused")
        connection = FakeConnection(self, parameters)
        self.connections.append(connection)
        return connection

    def drop_all(self) -> None:
        """What RabbitMQ does to connections that missed their heartbeats, or to every
        connection on ``rabbitmqctl close_connection``: the client learns it on its next read."""
        for connection in self.connections:
            connection.dropped = True

    def open_connections(self) -> list[FakeConnection]:
        return [c for c in self.connections if c.is_open and not c.dropped]


class FakeConnection:
    def __init__(self, broker: FakeBroker, parameters) -> None:
        self.broker = broker
        self.parameters = parameters
        self.is_open = True
        self.dropped = False
        self.pending: list[tuple] = []  # replies the broker will deliver on the next read
        self.reads = 0

    def channel(self) -> FakeChannel:
        self._check()
        return FakeChannel(self)

    def _check(self) -> None:
        if self.dropped:
            self.is_open = False
            raise StreamLostError("Transport indicated EOF")

    def process_data_events(self, time_limit: float = 0) -> None:
        self.reads += 1
        self._check()
        while self.pending:
            callback, correlation, body = self.pending.pop(0)
            callback(None, None, SimpleNamespace(correlation_id=correlation), body)

    def close(self) -> None:
        self.is_open = False


class FakeChannel:
    def __init__(self, connection: FakeConnection) -> None:
        self.connection = connection
        self.consumer = None
        self.refuse_publish = connection.broker.closed_channel
        connection.broker.closed_channel = False

    def confirm_delivery(self) -> None:
        self.connection._check()

    def exchange_declare(self, *args, **kwargs) -> None:
        self.connection._check()

    def queue_bind(self, *args, **kwargs) -> None:
        self.connection._check()

    def queue_declare(self, queue, passive=False, **kwargs):
        self.connection._check()
        return SimpleNamespace(method=SimpleNamespace(queue=queue or "amq.gen-1", consumer_count=1))

    def basic_consume(self, queue, callback, auto_ack=False) -> None:
        self.consumer = callback

    def basic_publish(self, exchange, routing_key, body, properties, mandatory=False) -> None:
        if self.refuse_publish:
            raise ChannelWrongStateError("Channel is closed.")
        self.connection._check()
        request = json.loads(body)
        self.connection.broker.published.append({"routing_key": routing_key, **request})
        if self.connection.broker.lose_during_publish:
            self.connection.dropped = True
            raise StreamLostError("Transport indicated EOF")
        if self.connection.broker.lose_after_publish:
            self.connection.dropped = True
            return
        reply = json.dumps({"result": {"echo": request["args"]}, "error": None}).encode()
        self.connection.pending.append((self.consumer, properties.correlation_id, reply))


@pytest.fixture
def broker(monkeypatch):
    broker = FakeBroker()
    monkeypatch.setattr(rpc_client.pika, "BlockingConnection", broker.connect)
    monkeypatch.setattr(rpc_client, "RETRY_PAUSES", (0.0, 0.0, 0.0))
    return broker


def pool(size: int = 2, heartbeat: int = 0) -> RpcClient:
    # heartbeat=0: no keeper thread, so that each test drives the pool alone
    return RpcClient("amqp://guest:guest@127.0.0.1:5672/test", size, 0.5, heartbeat=heartbeat)


def test_a_call_goes_out_once_and_comes_back(broker):
    client = pool()
    assert client.call("directory", "get_place", "p1") == {"echo": ["p1"]}
    assert broker.published == [
        {"routing_key": "directory.get_place", "args": ["p1"], "kwargs": {}}
    ]


def test_a_dropped_idle_connection_is_reopened_and_the_call_goes_out_once(broker):
    client = pool(size=1)
    client.call("directory", "list_places")
    broker.drop_all()  # idle past its heartbeats: the broker closed it
    assert client.call("directory", "get_place", "p1") == {"echo": ["p1"]}
    assert [m["routing_key"] for m in broker.published] == [
        "directory.list_places",
        "directory.get_place",
    ]
    assert len(broker.connections) == 2 and len(broker.open_connections()) == 1
    assert not broker.connections[0].is_open  # the dead one was closed, not leaked


def test_every_slot_dropped_at_once_recovers(broker):
    client = pool(size=3)
    slots = [client._free.get_nowait() for _ in range(3)]
    for slot in slots:  # open all three, as a burst of requests would
        client._free.put(slot or client._connect())
    broker.drop_all()
    for _ in range(6):
        assert client.call("booking", "health") == {"echo": []}
    assert len(broker.published) == 6


def test_a_channel_closed_before_the_publish_is_retried(broker):
    client = pool(size=1)
    client.call("directory", "list_places")
    client._free.queue[0].channel.refuse_publish = True  # pika refuses before writing
    assert client.call("directory", "get_place", "p1") == {"echo": ["p1"]}
    assert [m["routing_key"] for m in broker.published][-1] == "directory.get_place"
    assert len(broker.published) == 2


def test_a_connection_lost_after_the_publish_is_not_retried(broker):
    # The request may have reached the service: publishing it again could run it twice.
    client = pool(size=1)
    broker.lose_after_publish = True
    with pytest.raises(BusUnreachable) as error:
        client.call("directory", "create_place", {"name": "x"}, "key-1")
    assert error.value.service == "directory"
    assert error.value.reason == "message bus unreachable (StreamLostError)"
    assert len(broker.published) == 1
    broker.lose_after_publish = False
    assert client.call("directory", "list_places") == {"echo": []}  # the slot was reopened


def test_a_connection_lost_while_confirming_the_publish_is_not_retried(broker):
    client = pool(size=1)
    broker.lose_during_publish = True
    with pytest.raises(BusUnreachable):
        client.call("booking", "create_booking", {"seats": 1}, "key-2")
    assert len(broker.published) == 1


def test_a_broker_back_within_the_attempts_is_reached(broker):
    broker.refuse = rpc_client.ATTEMPTS - 1
    assert pool().call("directory", "list_places") == {"echo": []}


def test_a_broker_down_is_503_after_a_bounded_number_of_attempts(broker):
    broker.refuse = 100
    with pytest.raises(BusUnreachable) as error:
        pool().call("directory", "list_places")
    assert error.value.reason == "message bus unreachable (AMQPConnectionError)"
    assert broker.refuse == 100 - rpc_client.ATTEMPTS
    assert broker.published == []
    assert isinstance(error.value, ServiceUnavailable)  # still answered as 503


def test_the_keeper_services_idle_slots_and_drops_dead_ones(broker):
    client = pool(size=2)
    first, second = client._connect(), client._connect()
    client._free.get_nowait(), client._free.get_nowait()
    client._free.put(first), client._free.put(second)
    first.last_used = second.last_used = 0.0  # long idle
    first.connection.dropped = True
    client.keep_idle(idle_for=1.0)
    assert second.connection.reads == 1  # its heartbeats were serviced
    assert not first.connection.is_open  # dropped and closed; the slot reconnects on use
    assert sorted(map(id, client._free.queue), key=str) == sorted(map(id, [None, second]), key=str)


def test_the_keeper_leaves_recently_used_slots_alone(broker):
    client = pool(size=1)
    client.call("directory", "list_places")
    slot = client._free.queue[0]
    reads = slot.connection.reads
    client.keep_idle(idle_for=60.0)
    assert slot.connection.reads == reads


def test_the_gateway_names_its_connections_and_asks_for_its_heartbeat(broker):
    pool(heartbeat=7).call("directory", "list_places")
    parameters = broker.connections[0].parameters
    assert parameters.heartbeat == 7
    assert parameters.client_properties["connection_name"] == "maillage-gateway"


def test_a_saturated_pool_answers_503_instead_of_waiting_forever():
    client = RpcClient("amqp://guest:guest@127.0.0.1:1/none", pool_size=1, timeout=0.2)
    client._free.get_nowait()  # the only connection is taken by someone else
    with pytest.raises(ServiceUnavailable) as error:
        client.call("booking", "health")
    assert error.value.service == "booking" and "saturated" in error.value.reason
