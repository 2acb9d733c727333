"""Put dead-lettered events of the notifications queue back on the events exchange."""

from __future__ import annotations

import json
import logging

from kombu import Connection, Producer

from shared.messaging.topology import dead_letter_queue, declare_all, events_exchange

log = logging.getLogger(__name__)
SERVICE = "notifications"


def requeue_dead_letters(broker_url: str, *, limit: int = 10_000) -> int:
    """Move what is in the dead-letter queue now back to the exchange; returns how many."""
    options = {} if broker_url.startswith("memory://") else {"confirm_publish": True}
    moved = 0
    seen: set[str] = set()
    with Connection(broker_url, transport_options=options, connect_timeout=5) as conn:
        declare_all(conn, (SERVICE,))
        amqp = conn.transport.driver_type == "amqp"
        channel = conn.channel()
        try:
            queue = dead_letter_queue(SERVICE, amqp=amqp)(channel)
            producer = Producer(channel)
            while moved < limit:
                message = queue.get(no_ack=False, accept=None)
                if message is None:
                    break
                message_id = str(message.properties.get("message_id") or id(message))
                if message_id in seen:  # came back already during this run: stop here
                    message.requeue()
                    break
                seen.add(message_id)
                producer.publish(message.body, exchange=events_exchange,
                                 routing_key=_routing_key(message.body),
                                 content_type=message.content_type,
                                 content_encoding=message.content_encoding,
                                 message_id=message.properties.get("message_id"),
                                 delivery_mode=2, retry=False)
                message.ack()
                moved += 1
        finally:
            channel.close()
    log.info("dead letters requeued", extra={"moved": moved})
    return moved


def _routing_key(body: bytes | str) -> str:
    try:
        return str(json.loads(body)["type"])
    except (ValueError, KeyError, TypeError):
        return "invalid"
