"""The in-process apps of a proof world served over real HTTP on 127.0.0.1, one thread each.

Outside tools (schemathesis' own runner) talk to the services as a client on the network
would: through a socket, with werkzeug's WSGI server, on an ephemeral port.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class _Quiet(WSGIRequestHandler):
    """No access log: a fuzzing run sends thousands of requests."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def served(apps: dict[str, Flask]) -> Iterator[dict[str, str]]:
    """Serve each app on its own port; yields service -> base URL; stops them afterwards."""
    servers = {name: make_server("127.0.0.1", 0, app, threaded=True,
                                     request_handler=_Quiet)
               for name, app in apps.items()}
    threads = [threading.Thread(target=s.serve_forever, name=f"serve-{n}", daemon=True)
               for n, s in servers.items()]
    for thread in threads:
        thread.start()
    try:
        yield {name: f"http://127.0.0.1:{s.server_port}" for name, s in servers.items()}
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=10)
