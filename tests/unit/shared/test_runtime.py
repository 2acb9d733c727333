"""The interpreter settings every product process makes after start-up (shared/runtime.py)."""

from __future__ import annotations

import runpy
import subprocess
import sys

from shared import runtime
from shared.settings import PROJECT_ROOT


def test_start_up_objects_are_frozen_and_threads_switch_every_millisecond():
    # In a process of its own: freezing would keep this test process's objects forever.
    code = ("import gc, sys; from shared.runtime import tune_process; "
            "assert gc.get_freeze_count() == 0; tune_process(); "
            "print(gc.get_freeze_count(), sys.getswitchinterval())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PROJECT_ROOT).stdout.split()
    assert int(out[0]) > 1_000  # the interpreter's and the imports' objects
    assert float(out[1]) == runtime.SWITCH_INTERVAL_S


def test_gunicorn_runs_the_hook_in_production_and_in_the_benchmarks():
    config = runpy.run_path(str(PROJECT_ROOT / "deploy" / "gunicorn.conf.py"))
    assert config["post_worker_init"] is runtime.post_worker_init
    from bench.http import GUNICORN
    assert GUNICORN[:2] == ["-c", "python:shared.runtime"]
