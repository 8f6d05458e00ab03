"""A nameko RPC entrypoint that survives malformed requests instead of crash-looping.

nameko reads ``content_type`` off the request to encode its reply; a request published
without one raises inside the consumer, the container dies, the message is requeued and the
next container dies too. Here such a request gets a ``MalformedRequest`` reply (when it has a
``reply_to``) and is acked: rejected once, never redelivered.
"""

from __future__ import annotations

import logging

from nameko import config
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange

from contracts.errors import MalformedRequest

log = logging.getLogger(__name__)

JSON = "application/json"


class TolerantResponder(Responder):
    def send_response(self, result, exc_info):
        if not self.message.properties.get("content_type"):
            self.message.properties["content_type"] = JSON
        return super().send_response(result, exc_info)


class TolerantRpcConsumer(RpcConsumer):
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
