"""A bare nameko RPC echo, the baseline of ``bench.booking_vs_echo``.

No database, no outbox, no metrics dependency: one ``@rpc`` method that returns its argument.
Run in its own process (``python -m bench.echo_service``) on the ``MAILLAGE_AMQP_URI`` broker.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()  # before anything else imports socket or threading

from services.common.rpc import rpc  # noqa: E402
from services.common.runner import run_service  # noqa: E402


class EchoService:
    name = "echo"

    @rpc
    def echo(self, value):
        return value


if __name__ == "__main__":
    run_service(EchoService)
