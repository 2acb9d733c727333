"""Where evidence files live: one small interface, a disk implementation (object storage can
implement the same two methods)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Protocol


class AttachmentStore(Protocol):
    """Bytes by opaque key."""

    def put(self, data: bytes) -> str:
        """Store the bytes; returns their key."""

    def get(self, key: str) -> bytes:
        """The bytes stored under `key` (KeyError if missing)."""


class DiskStore:
    """Files under a folder, named by random keys (never by the uploaded name)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def put(self, data: bytes) -> str:
        key = uuid.uuid4().hex
        folder = self.root / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / (key + ".part")
        temporary.write_bytes(data)
        os.replace(temporary, folder / key)
        return key

    def get(self, key: str) -> bytes:
        if not key.isalnum():
            raise KeyError(key)
        path = self.root / key[:2] / key
        if not path.exists():
            raise KeyError(key)
        return path.read_bytes()
