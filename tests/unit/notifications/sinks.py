"""Real receivers for the tests: an SMTP sink (aiosmtpd) and an HTTP webhook receiver."""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """One message the SMTP sink accepted."""

    envelope_to: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """The parsed message (headers decoded)."""
        return email.message_from_bytes(self.raw, policy=policy.default)


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.sink.delay:
            time.sleep(self.sink.delay)
        with self.sink.lock:
            self.sink.messages.append(Received(list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@dataclass
class SmtpSink:
    """A real SMTP server on a free port that keeps every message it accepts."""

    port: int = field(default_factory=free_port)
    delay: float = 0.0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> SmtpSink:
        """Start listening."""
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self.controller.stop()

    def message_ids(self) -> list[str]:
        """The Message-ID of every accepted message, in order."""
        with self.lock:
            return [r.message["Message-ID"] for r in self.messages]


@dataclass
class Call:
    """One request the webhook receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A real local HTTP server that records every POST and answers with a chosen status."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status = status
        self.delay = delay
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.calls.append(Call(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> WebhookReceiver:
        """Start serving."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        """The Idempotency-Key of every call, in order."""
        with self.lock:
            return [c.headers.get("Idempotency-Key", "") for c in self.calls]


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on a free port, for the test."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A real HTTP receiver of webhook calls on a free port, for the test."""
    server = WebhookReceiver().start()
    yield server
    server.stop()
