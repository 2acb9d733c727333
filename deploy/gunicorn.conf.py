"""gunicorn settings shared by the three web services (see docker-compose.yml)."""

import os

from shared.runtime import post_worker_init  # noqa: F401 - gunicorn reads it by name

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# Not preloaded: each worker calls create_app() after the fork, so database engines and broker
# connections are never shared across processes (RELIABILITY.md, fork safety).
preload_app = False

