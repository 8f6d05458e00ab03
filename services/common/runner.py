"""Run one service in its own process: ``python -m services.<name>``."""

from __future__ import annotations

import warnings

# eventlet announces its deprecation on import; the brief accepts it (nameko needs it).
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything else imports socket or threading

import errno  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402

from nameko import config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from .logs import configure_logging  # noqa: E402
from .settings import Settings  # noqa: E402

log = logging.getLogger(__name__)


def nameko_config(settings: Settings) -> dict:
    return {
        "AMQP_URI": settings.amqp_uri,
        "MAILLAGE": {},  # the environment already speaks through Settings
        "serializer": "json",
    }


def run_service(service_cls: type) -> None:
    settings = Settings()
    configure_logging(service_cls.name, settings.log_level, settings.log_json)
    with config.patch(nameko_config(settings), clear=True):
        runner = ServiceRunner()
        runner.add_service(service_cls)

        def shutdown(signum, frame):
            eventlet.spawn_n(runner.stop)

        signal.signal(signal.SIGTERM, shutdown)
        signal.signal(signal.SIGINT, shutdown)
        runner.start()
        log.info("service started", extra={"territory": settings.territory})
        waiter = eventlet.spawn(runner.wait)
        while True:
            try:
                waiter.wait()
                break
            except OSError as exc:  # signal handler interrupting the hub
                if exc.errno != errno.EINTR:
                    raise
