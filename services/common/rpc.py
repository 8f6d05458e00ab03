"""A nameko RPC entrypoint after which every caller gets an answer, and no request kills a
service.

- A request published without ``content_type`` (nameko reads it to encode its reply) or whose
  body is not a JSON object gets a ``MalformedRequest`` reply and is acked: rejected once,
  never redelivered, never a crash loop.
- A body that cannot be decoded at all (not JSON, not UTF-8, a content type we do not
  accept) fails in kombu before nameko sees it; kombu's default logs it and acks it, and the
  caller would wait for its timeout. The consumer's ``on_decode_error`` is ours: it answers
  ``MalformedRequest`` too.
- A worker that fails because the database cannot be reached (pymongo's connection errors,
  "not primary", shutting down…) answers the typed ``DatabaseUnavailable`` (503) instead of
  an internal error: the gateway then says "try again" with ``Retry-After``.
"""

from __future__ import annotations

import logging

from nameko import config
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange

from contracts.errors import DatabaseUnavailable, MalformedRequest

from .mongo import is_unavailable

log = logging.getLogger(__name__)

JSON = "application/json"


class TolerantResponder(Responder):
    def send_response(self, result, exc_info):
        # Replies are JSON whatever the request claimed to be (nameko would look its content
        # type up and fail on one it does not know).
        if self.message.properties.get("content_type") != JSON:
            self.message.properties["content_type"] = JSON
        return super().send_response(result, exc_info)


def public_error(exc_info):
    """The ``exc_info`` a caller gets: a database outage becomes ``DatabaseUnavailable``."""
    if exc_info is not None and is_unavailable(exc_info[1]):
        error = DatabaseUnavailable("the service's database is unavailable; try again")
        error.__cause__ = exc_info[1]
        return (DatabaseUnavailable, error, exc_info[2])
    return exc_info


class TolerantRpcConsumer(RpcConsumer):
    def setup(self):
        super().setup()
        # kombu calls this when it cannot decode a body (before ``handle_message``).
        self.consumer.on_decode_error = self.handle_undecodable

    def handle_undecodable(self, message, exc) -> None:
        log.warning(
            "rejecting undecodable rpc request",
            extra={
                "routing_key": message.delivery_info.get("routing_key"),
                "content_type": message.properties.get("content_type"),
                "error": repr(exc),
            },
        )
        self._reply_error(
            message, MalformedRequest("RPC request body could not be decoded as JSON")
        )

    def handle_message(self, body, message):
        if message.properties.get("content_type") != JSON or not isinstance(body, dict):
            log.warning(
                "rejecting malformed rpc request",
                extra={"routing_key": message.delivery_info.get("routing_key")},
            )
            self._reply_error(
                message,
                MalformedRequest(
                    "RPC requests must be JSON objects with content_type application/json"
                ),
            )
            return
        super().handle_message(body, message)

    def handle_result(self, message, result, exc_info):
        exc_info = public_error(exc_info)
        responder = TolerantResponder(
            self.amqp_uri,
            get_rpc_exchange(),
            message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        try:
            result, exc_info = responder.send_response(result, exc_info)
        except Exception:  # a reply we cannot send must not kill the service
            log.exception("could not send rpc reply; dropping it")
        self.consumer.ack_message(message)
        return result, exc_info

    def _reply_error(self, message, error: Exception) -> None:
        if message.properties.get("reply_to"):
            self.handle_result(message, None, (type(error), error, None))
        else:
            self.consumer.ack_message(message)


class TolerantRpc(Rpc):
    rpc_consumer = TolerantRpcConsumer()

    def handle_message(self, body, message):
        if "args" not in body or "kwargs" not in body:
            raise MalformedRequest("RPC request must carry `args` and `kwargs`")
        return super().handle_message(body, message)


rpc = TolerantRpc.decorator
