"""One WSGI entry for several services: routes by the first path segment, prefix kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable

Wsgi = Callable[[dict, Callable], Iterable[bytes]]


class PrefixDispatcher:
    """Sends /tasks/… to the tasks app, /kpi/… to the kpi app, anything else to `fallback`."""

    def __init__(self, apps: dict[str, Wsgi], fallback: Wsgi):
        self.apps = apps
        self.fallback = fallback

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        first = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
        return self.apps.get(first, self.fallback)(environ, start_response)
