"""`python -m bench.smtp_sink PORT FILE`: an SMTP server that appends each Message-ID to FILE.

Run as its own process, so that counting the e-mails costs the contenders nothing.
"""

from __future__ import annotations

import email
import signal
import sys
import threading
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller


class _Recorder:
    def __init__(self, path: Path):
        self.file = path.open("a", encoding="utf-8")
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.file.write(f"{message['Message-ID']}\n")
            self.file.flush()
        return "250 OK"


def count(path: Path) -> tuple[int, int]:
    """(messages, distinct Message-IDs) recorded so far."""
    if not path.exists():
        return 0, 0
    ids = path.read_text("utf-8").splitlines()
    return len(ids), len(set(ids))


def main() -> None:
    """Serve until SIGTERM."""
    port, path = int(sys.argv[1]), Path(sys.argv[2])
    controller = Controller(_Recorder(path), hostname="127.0.0.1", port=port)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("listening", flush=True)
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
