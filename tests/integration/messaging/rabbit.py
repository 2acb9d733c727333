"""A private RabbitMQ node for tests: our own child process, ports, epmd, data and cookie.

The machine's shared broker on 5672 is never touched. The node runs
`/usr/lib/rabbitmq/bin/rabbitmq-server` directly (the `/usr/sbin` wrapper would `su rabbitmq`
when run as root, losing our HOME, cookie and process ownership) in a new session, so that
`kill9()` can SIGKILL its whole process group, and a private `epmd` on a free port so that
the node's name is registered nowhere else. Everything is stopped by process id.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pika

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
START_TIMEOUT = 60.0


class NodeError(RuntimeError):
    """The private node did not start or stop as asked."""


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    with socket.socket() as s:  # the distribution listener binds every interface
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """Distinct free ports in 20000-40000 (rabbitmqctl takes dist port + 10000..10010)."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 40000)
        if port not in ports and port + 10000 not in ports and _port_free(port):
            ports.append(port)
    return ports


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (whatever its session: erl_child_setup makes its own)."""
    tree = _children_map()
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class PrivateRabbit:
    """One RabbitMQ 3.10 node of our own; durable data survives stop/start and kill -9."""

    def __init__(self, base: Path):
        self.base = base
        self.amqp_port, self.dist_port, self.epmd_port = free_ports(3)
        self.nodename = f"pt-test-{uuid.uuid4().hex[:8]}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"
        self.proc: subprocess.Popen | None = None
        self.epmd: subprocess.Popen | None = None
        self.beam_pid: int | None = None
        self.start_seconds: list[float] = []
        self._write_files()
        self.env = self._environment()

    # -- setup -------------------------------------------------------------------------------

    def _write_files(self) -> None:
        for sub in ("home", "mnesia", "log"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")  # no management, no prometheus
        (self.base / "rabbitmq-env.conf").write_text("")  # not /etc/rabbitmq/rabbitmq-env.conf
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.amqp_port}\n"
            "log.console = false\n"
            "log.file.level = info\n"
        )

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("RABBITMQ_", "ERL_")) and k not in ("HOME", "NOTIFY_SOCKET")}
        b = self.base
        env.update(
            HOME=str(b / "home"),  # the node creates .erlang.cookie here; rabbitmqctl reads it
            RABBITMQ_NODENAME=self.nodename,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.amqp_port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(b / "mnesia"),
            RABBITMQ_LOG_BASE=str(b / "log"),
            RABBITMQ_CONFIG_FILE=str(b / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(b / "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(b / "enabled_plugins"),
            RABBITMQ_CONF_ENV_FILE=str(b / "rabbitmq-env.conf"),
            RABBITMQ_PID_FILE=str(b / "rabbit.pid"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
        )
        return env

    def _start_epmd(self) -> None:
        epmd = shutil.which("epmd") or "epmd"
        self.epmd = subprocess.Popen(
            [epmd, "-port", str(self.epmd_port), "-address", "127.0.0.1"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not _accepts(self.epmd_port):
            if self.epmd.poll() is not None or time.monotonic() > deadline:
                raise NodeError(f"private epmd did not start on {self.epmd_port}")
            time.sleep(0.05)

    # -- life cycle --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the node's process runs."""
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> float:
        """Start the node on its data directory and wait until AMQP works; returns seconds."""
        if self.running:
            raise NodeError("node already running")
        if self.epmd is None or self.epmd.poll() is not None:
            self._start_epmd()
        started = time.monotonic()
        self._log = open(self.base / "log" / "stdout.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(RABBIT_BIN / "rabbitmq-server")], env=self.env, cwd=self.base,
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = started + timeout
        while True:
            if self.proc.poll() is not None:
                raise NodeError(f"rabbitmq-server exited with {self.proc.returncode}:\n"
                                + self.log_tail())
            if time.monotonic() > deadline:
                self.kill9()
                raise NodeError(f"node not ready within {timeout}s:\n" + self.log_tail())
            if _accepts(self.amqp_port) and self._amqp_works():
                break
            time.sleep(0.1)
        beams = [p for p in descendants(self.proc.pid) if "beam" in _cmdline(p)]
        self.beam_pid = beams[0] if beams else None
        elapsed = time.monotonic() - started
        self.start_seconds.append(elapsed)
        return elapsed

    def _amqp_works(self) -> bool:
        try:
            params = pika.URLParameters(self.url + "%2F")
            params.socket_timeout = 2
            params.blocked_connection_timeout = 2
            conn = pika.BlockingConnection(params)
        except Exception:
            return False
        conn.close()
        return True

    def kill9(self) -> None:
        """SIGKILL the node's process group (and every descendant) and make sure beam is dead."""
        if self.proc is None:
            return
        pids = [self.proc.pid, *descendants(self.proc.pid)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in pids:  # erl_child_setup and its helpers live in their own session
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._reap(pids)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the node cleanly (`rabbitmqctl stop`), or SIGKILL it if that fails."""
        if not self.running:
            return
        pids = [self.proc.pid, *descendants(self.proc.pid)]
        try:
            self.ctl("stop", timeout=timeout)
            self.proc.wait(timeout)
        except (subprocess.SubprocessError, NodeError):
            self.kill9()
            return
        self._reap(pids)

    def _reap(self, pids: list[int]) -> None:
        assert self.proc is not None
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired as exc:
            raise NodeError(f"rabbitmq-server {self.proc.pid} survived SIGKILL") from exc
        deadline = time.monotonic() + 15
        while any(process_alive(p) for p in pids):
            if time.monotonic() > deadline:
                alive = [(p, _cmdline(p)[:80]) for p in pids if process_alive(p)]
                raise NodeError(f"processes of the node survived: {alive}")
            time.sleep(0.05)
        if getattr(self, "_log", None):
            self._log.close()
        # wait until the port is released, so a restart can bind it
        deadline = time.monotonic() + 15
        while _accepts(self.amqp_port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def ensure_running(self) -> None:
        """Start the node if a test left it stopped or killed."""
        if not self.running:
            self.start()

    def close(self) -> None:
        """Stop the node and the private epmd; nothing we started survives."""
        try:
            if self.running:
                self.stop()
        finally:
            if self.epmd is not None and self.epmd.poll() is None:
                self.epmd.kill()
                self.epmd.wait(10)

    # -- tools -------------------------------------------------------------------------------

    def ctl(self, *args: str, timeout: float = 60.0) -> str:
        """Run `rabbitmqctl -n <node> ...` with the node's HOME (same Erlang cookie)."""
        result = subprocess.run(
            [str(RABBIT_BIN / "rabbitmqctl"), "-n", self.nodename, *args],
            env=self.env, capture_output=True, text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise NodeError(f"rabbitmqctl {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def vhost_url(self, vhost: str) -> str:
        """The AMQP URL of one virtual host on this node."""
        return self.url + vhost

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the node's log files, for failure messages."""
        out = []
        for path in sorted((self.base / "log").glob("*.log")):
            out.append(f"--- {path.name}\n" + path.read_text("utf-8", "replace")[-chars:])
        return "\n".join(out)
