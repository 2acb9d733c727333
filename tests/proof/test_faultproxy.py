"""The TCP fault proxy does what each mode says, switched while connections are open."""

from __future__ import annotations

import socket
import socketserver
import threading
import time

import pytest

from tests.proof.faultproxy import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with FaultProxy("127.0.0.1", server.server_address[1]) as fault_proxy:
        yield fault_proxy
    server.shutdown()
    server.server_close()


def _connect(proxy: FaultProxy) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
    sock.settimeout(2)
    return sock


def _echo(sock: socket.socket, payload: bytes = b"ping") -> bytes:
    sock.sendall(payload)
    return sock.recv(4096)


def _passes(proxy):
    with _connect(proxy) as sock:
        assert _echo(sock, "xin chào".encode()) == "xin chào".encode()


def _delays(proxy):
    with _connect(proxy) as sock:
        proxy.set_mode("delay", delay_ms=300)
        started = time.monotonic()
        assert _echo(sock) == b"ping"
        assert time.monotonic() - started >= 0.55  # held on the way in and on the way out


def _resets(proxy):
    with _connect(proxy) as sock:
        assert _echo(sock) == b"ping"
        proxy.set_mode("reset")
        with pytest.raises(OSError):
            sock.sendall(b"ping")
            if not sock.recv(4096):
                raise ConnectionResetError("closed")
    with pytest.raises(OSError), _connect(proxy) as sock:  # reset at connect or at once after
        sock.sendall(b"ping")
        if not sock.recv(4096):
            raise ConnectionResetError("closed")
    proxy.set_mode("pass")
    with _connect(proxy) as sock:
        assert _echo(sock) == b"ping"


def _blackholes(proxy):
    with _connect(proxy) as sock:
        assert _echo(sock) == b"ping"
        proxy.set_mode("blackhole")
        sock.settimeout(0.5)
        sock.sendall(b"lost")
        with pytest.raises(TimeoutError):
            sock.recv(4096)
        assert proxy.open_connections == 1
        proxy.set_mode("pass")
        assert _echo(sock, b"again") == b"again"


def test_fault_proxy_modes(proxy, proof):
    """Fault proxy: pass, delay, reset, blackhole, switched while connections are open"""
    _passes(proxy)
    _delays(proxy)
    proxy.set_mode("pass")
    _resets(proxy)
    _blackholes(proxy)
    with pytest.raises(ValueError):
        proxy.set_mode("flaky")
    proof.record(done="echo through the proxy in each mode; reset cuts open and new "
                      "connections, blackhole keeps them silent, pass restores")
