"""Test-only crash points: off unless FAULT_POINT is set in the process's environment.

The proof suite (tests/proof) kills a process at an exact point to show that nothing is lost
or applied twice. `FAULT_POINT=<name>` makes the process call `os._exit(137)` (what a kill -9
looks like to everybody else) the `FAULT_AFTER`-th time (default 1st) it reaches
`fault_point(<name>)`. `FAULT_ONCE_FILE=<path>` makes the crash happen once across restarts:
the first process to crash creates the file, and later processes see it and carry on.

Points: `relay.after_confirm` (broker confirmed, row not yet marked sent),
`consumer.before_commit` (effect applied, not committed, message not acked),
`consumer.after_commit` (effect committed, message not yet acked), `scanner.after_claim`
(deadline claims held in an open transaction), `uow.before_commit` (a web request's change
flushed, not committed).
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_hits: dict[str, int] = {}


def _claim_once(path: str) -> bool:
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def fault_point(name: str) -> None:
    """Crash here with exit status 137 when the environment asks for it (never otherwise)."""
    if os.environ.get("FAULT_POINT") != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        if _hits[name] != int(os.environ.get("FAULT_AFTER", "1")):
            return
        once = os.environ.get("FAULT_ONCE_FILE")
        if once and not _claim_once(once):
            return
        os._exit(137)
