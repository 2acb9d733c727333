"""The one place that declares exchanges, queues and bindings (re-declaring differently fails)."""

from __future__ import annotations

from kombu import Exchange, Queue, binding

EXCHANGE_NAME = "plan.events"
DEAD_LETTER_EXCHANGE_NAME = "plan.dead"
# Deliveries of one message before the broker dead-letters it (quorum queues count them).
DELIVERY_LIMIT = 5

events_exchange = Exchange(EXCHANGE_NAME, type="topic", durable=True)
dead_letter_exchange = Exchange(DEAD_LETTER_EXCHANGE_NAME, type="direct", durable=True)

# Which event types each service listens to. Publishers need no list: they publish to the
# exchange with the event type as routing key.
BINDINGS: dict[str, tuple[str, ...]] = {
    "tasks": ("report.submitted", "report.approved"),
    "notifications": (
        "task.*",
        "report.returned",
        "kpi.status_changed",
        "user.upserted",
        "unit.upserted",
    ),
    # task.*: the kpi service's copy of tasks, to count overdue duties beside each KPI;
    # user.upserted: which users are active and their token versions, so a deactivated
    # user's tokens, and those issued before a change of roles, unit or password, stop.
    "kpi": ("unit.upserted", "task.*", "user.upserted"),
}


def queue_name(service: str) -> str:
    """The durable work queue of one service."""
    return f"{service}.events"


def dead_letter_queue_name(service: str) -> str:
    """Where a service's undecodable, invalid or repeatedly failing messages end up."""
    return f"{service}.dead"


def service_queue(service: str, *, amqp: bool = True) -> Queue:
    """The service's quorum queue, bound once per routing key, with a delivery limit and DLX."""
    arguments = None
    if amqp:
        arguments = {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE_NAME,
            "x-dead-letter-routing-key": service,
        }
    return Queue(
        queue_name(service),
        bindings=[binding(events_exchange, routing_key=key) for key in BINDINGS[service]],
        durable=True,
        queue_arguments=arguments,
    )


def dead_letter_queue(service: str, *, amqp: bool = True) -> Queue:
    """The service's dead-letter queue, bound to the dead-letter exchange by service name."""
    return Queue(
        dead_letter_queue_name(service),
        exchange=dead_letter_exchange,
        routing_key=service,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"} if amqp else None,
    )


def declare_all(connection, services: tuple[str, ...] | None = None) -> None:
    """Declare the exchanges and the queues of the given services (all by default)."""
    amqp = connection.transport.driver_type == "amqp"
    channel = connection.channel()
    try:
        events_exchange(channel).declare()
        dead_letter_exchange(channel).declare()
        for service in services or tuple(BINDINGS):
            service_queue(service, amqp=amqp)(channel).declare()
            dead_letter_queue(service, amqp=amqp)(channel).declare()
    finally:
        channel.close()
