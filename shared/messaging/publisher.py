"""Publishers of the relay: pipelined confirms on AMQP, kombu for in-process transports."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import amqp
from kombu import Connection, Producer
from kombu.utils.url import parse_url

from shared.messaging.topology import EXCHANGE_NAME, declare_all, events_exchange


@dataclass(frozen=True)
class OutgoingMessage:
    """One outbox row on its way to the broker."""

    message_id: str
    routing_key: str
    body: bytes
    correlation_id: str | None = None


class PublishError(RuntimeError):
    """The broker could not be reached or did not answer in time; nothing was marked sent."""


class Publisher(Protocol):
    """Publishes a batch and tells, per message, None for a positive confirm or an error text."""

    def publish_batch(self, messages: list[OutgoingMessage]) -> list[str | None]: ...

    def close(self) -> None: ...


@dataclass
class _Pending:
    by_tag: dict[int, str] = field(default_factory=dict)
    outcome: dict[str, str | None] = field(default_factory=dict)
    returned: dict[str, str] = field(default_factory=dict)


# Frames gathered before a socket write; a batch of 500 small events is ~5 writes, not 500.
WRITE_CHUNK = 64 * 1024


@contextlib.contextmanager
def _coalesced_writes(transport) -> Iterator[None]:
    """Gather the frames py-amqp writes inside into few socket writes.

    py-amqp sends every published message with its own `sendall`: one system call per event,
    a tenth of the relay's time in the benchmarks (P3) on a 2-core machine. Inside,
    the transport's writer appends to a buffer (copied: py-amqp reuses its frame buffer) that
    is sent every WRITE_CHUNK bytes and at the end; nothing may be read from the connection
    inside. On an error the rest is not sent: the caller drops the connection.
    """
    send = transport._write  # py-amqp's own writer: sock.sendall, or the SSL write loop
    own = "_write" in vars(transport)
    gathered = bytearray()

    def gather(data) -> None:
        gathered.extend(data)
        if len(gathered) >= WRITE_CHUNK:
            send(bytes(gathered))
            gathered.clear()

    transport._write = gather
    try:
        yield
        if gathered:
            send(bytes(gathered))
    finally:
        if own:
            transport._write = send
        else:
            del transport._write


class AmqpConfirmPublisher:
    """Publishes persistent, mandatory messages and waits for every confirm, many in flight.

    A message counts as published only after the broker acked it and did not return it as
    unroutable; everything else is reported as an error so the relay keeps the row pending.
    """

    def __init__(self, url: str, *, connect_timeout: float, confirm_timeout: float,
                 heartbeat: int = 30):
        self.url = url
        self.connect_timeout = connect_timeout
        self.confirm_timeout = confirm_timeout
        self.heartbeat = heartbeat
        self._conn: amqp.Connection | None = None
        self._channel = None
        self._pending = _Pending()
        self._next_tag = 1

    def _connect(self) -> None:
        parts = parse_url(self.url)
        host = f"{parts.get('hostname') or '127.0.0.1'}:{parts.get('port') or 5672}"
        conn = amqp.Connection(
            host=host,
            userid=parts.get("userid") or "guest",
            password=parts.get("password") or "guest",
            virtual_host=parts.get("virtual_host") or "/",
            connect_timeout=self.connect_timeout,
            read_timeout=self.confirm_timeout,
            write_timeout=self.confirm_timeout,
            heartbeat=self.heartbeat,
        )
        conn.connect()
        with Connection(self.url, connect_timeout=self.connect_timeout) as kombu_conn:
            declare_all(kombu_conn)
        channel = conn.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._conn, self._channel, self._next_tag = conn, channel, 1

    def _settle(self, delivery_tag: int, multiple: bool, error: str | None) -> None:
        pending = self._pending.by_tag
        tags = [t for t in pending if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            message_id = self._pending.by_tag.pop(tag, None)
            if message_id is None:
                continue
            returned = self._pending.returned.pop(message_id, None)
            self._pending.outcome[message_id] = error or returned

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, None)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, "nacked by the broker")

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        message_id = message.properties.get("message_id")
        if message_id:
            self._pending.returned[message_id] = (
                f"unroutable: no queue bound for {routing_key!r} on {exchange!r} ({exc})"
            )

    def publish_batch(self, messages: list[OutgoingMessage]) -> list[str | None]:
        """Publish all messages, then wait for their confirms up to the confirm timeout."""
        if not messages:
            return []
        try:
            if self._conn is None:
                self._connect()
            self._pending = _Pending()
            with _coalesced_writes(self._conn.transport):
                self._publish_all(messages)
            deadline = time.monotonic() + self.confirm_timeout
            while self._pending.by_tag:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishError(
                        f"{len(self._pending.by_tag)} confirms not received within "
                        f"{self.confirm_timeout}s"
                    )
                self._conn.drain_events(timeout=remaining)
        except PublishError:
            self.close()
            raise
        except Exception as exc:  # socket errors, connection closed, channel errors
            self.close()
            raise PublishError(f"{type(exc).__name__}: {exc}") from exc
        return [self._pending.outcome.get(m.message_id, "no confirm") for m in messages]

    def _publish_all(self, messages: list[OutgoingMessage]) -> None:
        for m in messages:
            self._channel.basic_publish(
                amqp.Message(
                    m.body,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=m.message_id,
                    correlation_id=m.correlation_id or "",
                ),
                exchange=EXCHANGE_NAME,
                routing_key=m.routing_key,
                mandatory=True,
            )
            self._pending.by_tag[self._next_tag] = m.message_id
            self._next_tag += 1

    def heartbeat_tick(self) -> None:
        """Keep the connection's heartbeats going while the relay is idle."""
        if self._conn is None:
            return
        try:
            self._conn.heartbeat_tick()
        except Exception:
            self.close()

    def close(self) -> None:
        """Drop the connection; the next batch reconnects."""
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                conn.collect()


class KombuPublisher:
    """Publishes through kombu; used for the in-process transport of the embedded default."""

    def __init__(self, url: str):
        self.url = url
        self._conn: Connection | None = None
        self._producer: Producer | None = None

    def publish_batch(self, messages: list[OutgoingMessage]) -> list[str | None]:
        """Publish each message; an in-process put either succeeds or raises."""
        try:
            if self._conn is None:
                self._conn = Connection(self.url)
                declare_all(self._conn)
                self._producer = Producer(self._conn.channel(), exchange=events_exchange)
            for m in messages:
                self._producer.publish(
                    m.body,
                    routing_key=m.routing_key,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=m.message_id,
                    correlation_id=m.correlation_id,
                    retry=False,
                )
        except Exception as exc:
            self.close()
            raise PublishError(f"{type(exc).__name__}: {exc}") from exc
        return [None] * len(messages)

    def heartbeat_tick(self) -> None:
        """Nothing to keep alive in-process."""

    def close(self) -> None:
        """Release the connection."""
        conn, self._conn, self._producer = self._conn, None, None
        if conn is not None:
            conn.release()


def make_publisher(settings) -> AmqpConfirmPublisher | KombuPublisher:
    """The publisher for the configured broker."""
    if settings.broker_url.startswith(("amqp://", "amqps://", "pyamqp://")):
        return AmqpConfirmPublisher(
            settings.broker_url.replace("pyamqp://", "amqp://"),
            connect_timeout=settings.broker_connect_timeout,
            confirm_timeout=settings.broker_confirm_timeout,
            heartbeat=settings.broker_heartbeat,
        )
    return KombuPublisher(settings.broker_url)
