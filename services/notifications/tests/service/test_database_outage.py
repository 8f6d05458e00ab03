"""Faults with real parts: the database goes away under a consumer, then comes back."""

from __future__ import annotations

import subprocess

import pytest
from nameko import config
from nameko.standalone.events import event_dispatcher

from services.common.envelope import make_event
from services.notifications.service import NotificationsService
from tests.samples import BOOKING_CONFIRMED
from tests.support import metric_total, read_emails, wait_until
from tools import infra


class PrivateDatabase:
    """A SecantusDB of this test's own, which it can stop and restart on the same port."""

    def __init__(self, storage) -> None:
        self.port = infra.free_port()
        self.storage = storage
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            infra.secantus_command(self.port, self.storage),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        infra.wait_port("127.0.0.1", self.port, 60, "SecantusDB")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def private_db(tmp_path):
    database = PrivateDatabase(tmp_path / "db")
    database.start()
    yield database
    database.stop()


def test_event_arriving_while_the_database_is_down_is_not_lost(
    container_factory, service_config, private_db, smtp_server, territory
):
    config["MAILLAGE"].update(mongo_uri=private_db.uri, mongo_timeout_ms=300)
    container = container_factory(NotificationsService)
    container.start()

    def handler_runs() -> float:
        return metric_total(
            "maillage_rpc_requests_total", service="notifications", method="on_booking_confirmed"
        )

    private_db.stop()
    runs = handler_runs()
    # Its own recipient: the consumer queue is shared by every test of the run's vhost, so
    # events other tests left in it arrive here too (and are emailed to their own people).
    mine = {**BOOKING_CONFIRMED, "email": f"outage.{territory}@example.org"}
    event = make_event("booking", "booking_confirmed", mine, territory=territory)
    dispatch = event_dispatcher()
    dispatch("booking", "booking_confirmed", event)
    # The consumer fails to read its inbox and hands the event back, again: wait for two tries.
    wait_until(lambda: handler_runs() >= runs + 2, timeout=30)
    assert smtp_server.messages() == []  # nothing at all can be handled without the database

    private_db.start()
    [message] = wait_until(lambda: read_emails(smtp_server.directory, mine["email"]), timeout=30)
    assert message["To"].addresses[0].addr_spec == mine["email"]
    # A later event, and its email, is the positive signal that the first one is done with.
    marker = {**BOOKING_CONFIRMED, "booking_id": "marker", "email": "marker@example.org"}
    dispatch(
        "booking",
        "booking_confirmed",
        make_event("booking", "booking_confirmed", marker, territory=territory),
    )
    wait_until(lambda: read_emails(smtp_server.directory, "marker@example.org"), timeout=30)
    assert len(read_emails(smtp_server.directory, mine["email"])) == 1
