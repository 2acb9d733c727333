"""A TCP fault proxy for the proof suite: pass, delay, reset or blackhole, switched at run time.

It listens on a local port and forwards every connection to `upstream`. The mode applies to
every connection, open or new, from the moment it is set:

- `pass`: bytes flow both ways;
- `delay`: each chunk is held `delay_ms` before it is forwarded;
- `reset`: every open connection is closed at once (RST) and new ones are closed on accept;
- `blackhole`: connections stay open but bytes are read and dropped silently in both
  directions, like a network that lost its route (only heartbeats can tell).

It runs an asyncio loop in a daemon thread; `FaultProxy.set_mode` is safe from any thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from dataclasses import dataclass

MODES = ("pass", "delay", "reset", "blackhole")
CHUNK = 65536


@dataclass
class _Pipe:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


class FaultProxy:
    """Forwards 127.0.0.1:<port> to upstream with a fault mode chosen by the test."""

    def __init__(self, upstream_host: str, upstream_port: int, *, port: int = 0):
        self.upstream = (upstream_host, upstream_port)
        self.mode = "pass"
        self.delay_ms = 0
        self.accepted = 0
        self._requested_port = port
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy",
                                        daemon=True)

    # -- control (any thread) -----------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Start listening; returns self (the port is in `self.port`)."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def set_mode(self, mode: str, *, delay_ms: int = 0) -> None:
        """Switch every connection to `mode`; `reset` also closes the open ones now."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {MODES}")
        self.mode, self.delay_ms = mode, delay_ms
        if mode == "reset":
            asyncio.run_coroutine_threadsafe(self._reset_all(), self._loop).result(10)

    @property
    def open_connections(self) -> int:
        """How many client connections the proxy holds right now (two writers each)."""
        return len(self._writers) // 2

    def close(self) -> None:
        """Close every connection and the listener, and stop the loop."""
        async def _shutdown() -> None:
            if self._server is not None:
                self._server.close()
            await self._reset_all()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(_shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()

    # -- the loop -----------------------------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._on_client, "127.0.0.1",
                                                  self._requested_port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _reset_all(self) -> None:
        for writer in list(self._writers):
            _abort(writer)
        self._writers.clear()

    async def _on_client(self, reader: asyncio.StreamReader,
                         writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self.mode == "reset":
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _abort(writer)  # upstream down: the client sees its connection refused/reset
            return
        client, upstream = _Pipe(reader, writer), _Pipe(up_reader, up_writer)
        self._writers.update((writer, up_writer))
        try:
            await asyncio.gather(self._pump(client, upstream), self._pump(upstream, client))
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                _abort(w)

    async def _pump(self, source: _Pipe, target: _Pipe) -> None:
        while True:
            try:
                data = await source.reader.read(CHUNK)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                _abort(target.writer)
                return
            if self.mode == "blackhole":
                continue  # read and dropped: the peer waits forever
            if self.mode == "delay" and self.delay_ms:
                await asyncio.sleep(self.delay_ms / 1000)
            if self.mode == "reset":
                _abort(target.writer)
                _abort(source.writer)
                return
            try:
                target.writer.write(data)
                await target.writer.drain()
            except (ConnectionError, OSError):
                _abort(source.writer)
                return


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close a connection with a TCP RST (SO_LINGER 0), the way a cut cable looks to the peer."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort()
