"""Stable ids of the demo data, the same in every service and every install.

The tasks service seeds the demo units with these ids; other services may refer to them
without reading the tasks database (they still get the units themselves by events).
"""

from __future__ import annotations

import uuid

SEED_NAMESPACE = uuid.UUID("6f1d3c52-8a4e-4c1b-9a57-2b7e0c3d9f10")


def seed_id(*parts: str) -> uuid.UUID:
    """A stable id for seeded objects: uuid5 of the parts joined by '/'."""
    return uuid.uuid5(SEED_NAMESPACE, "/".join(parts))
