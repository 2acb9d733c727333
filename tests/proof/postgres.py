"""A private PostgreSQL server for the database-fault scenario (the shared one is never touched).

`initdb` into a temporary folder, owned by the `postgres` OS user (run through `runuser`
when we are root), trust authentication on 127.0.0.1 and its own port. The server is stopped
and started by the postmaster's process id (from `postmaster.pid`), never by name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.e2e.processes import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """One PostgreSQL 15 cluster of our own; data survives stop and start."""

    def __init__(self):
        # Not under pytest's tmp_path: its parents are private to root, the server runs as
        # the postgres user.
        self.base = Path(tempfile.mkdtemp(prefix="pt-proof-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        """True when the PostgreSQL 15 server binaries are installed."""
        return (PG_BIN / "postgres").exists()

    def _as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def init(self) -> None:
        """Create the cluster (owned by the postgres user, trust on localhost)."""
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        subprocess.run(self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data),
                                          "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                          "--no-sync"]),
                       check=True, capture_output=True, timeout=120)

    def start(self, timeout: float = 60) -> None:
        """Start the server and wait until it accepts connections."""
        log = open(self.base / "server.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            self._as_postgres([str(PG_BIN / "postgres"), "-D", str(self.data),
                               "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                               "-c", f"unix_socket_directories={self.base}",
                               "-c", "fsync=off", "-c", "max_connections=200"]),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("private PostgreSQL did not start:\n" + self.log_tail())
            time.sleep(0.2)

    def _ready(self) -> bool:
        result = subprocess.run([str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p",
                                 str(self.port)], capture_output=True, timeout=10)
        return result.returncode == 0

    def postmaster_pid(self) -> int | None:
        """The server's process id, from its pid file (None when it is not running)."""
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self, *, mode: int = signal.SIGINT, timeout: float = 30) -> None:
        """Stop by pid: SIGINT is a fast shutdown (connections cut, nothing lost)."""
        pid = self.postmaster_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, mode)
        if self.proc is not None:
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        deadline = time.monotonic() + timeout
        while self._port_open() and time.monotonic() < deadline:
            time.sleep(0.1)

    def _port_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def close(self) -> None:
        """Stop the server and delete its files."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log."""
        path = self.base / "server.log"
        return path.read_text("utf-8", "replace")[-chars:] if path.exists() else ""
