"""An open-loop client: start one job every 1/rate seconds, whatever the earlier ones do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from shared.runtime import tune_process


def paced(job: Callable[[int], None], *, rate: float, count: int,
          threads: int = 32) -> list[float]:
    """Run job(i) for i < count at `rate` per second; each one's latency in ms.

    Latency is counted from the moment the job was due, not from when a thread took it, so a
    slow system cannot hide its queueing (no coordinated omission).
    """
    tune_process()  # the load generator: its own pauses must not count as latency
    latencies: list[float] = [0.0] * count
    errors: list[BaseException] = []
    lock = threading.Lock()

    def timed(i: int, due: float) -> None:
        try:
            job(i)
            latencies[i] = (time.perf_counter() - due) * 1000
        except BaseException as error:  # noqa: BLE001 - reported after the run
            with lock:
                errors.append(error)

    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for i in range(count):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(timed, i, due)
    if errors:
        raise RuntimeError(f"{len(errors)} of {count} jobs failed; first: {errors[0]!r}")
    return latencies
