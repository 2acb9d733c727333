"""How the product's processes run Python: two settings of the interpreter, made once the
process has started (web workers, worker processes, the embedded default).

- The objects of start-up are frozen out of the garbage collector. A service process holds a
  few hundred thousand objects once Flask, SQLAlchemy, marshmallow and the app are loaded, and
  they live until it ends; every full collection walked all of them: pauses of 50-100 ms,
  about one a second under load on the 2-core benchmark machine. `gc.freeze()` moves them to a
  permanent generation; what requests create afterwards is collected as before.
- Threads hand the interpreter lock on after 1 ms instead of 5 ms. A request thread whose
  database answer has arrived waited up to 5 ms behind a busy neighbour for each of its round
  trips, while holding row locks other requests wait for (a report submission holds the
  indicators' lock): the p99 of P5 went from 100-200 ms to 30-50 ms (bench/README.md).

gunicorn takes this module as a config module (`-c python:shared.runtime`: its
`post_worker_init` hook runs in each worker after create_app); deploy/gunicorn.conf.py imports
the same hook.
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.001


def tune_process() -> None:
    """Freeze what start-up made, and shorten the interpreter's thread switch interval."""
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def post_worker_init(_worker) -> None:
    """gunicorn's hook: the worker has loaded the app (create_app ran after the fork)."""
    tune_process()
