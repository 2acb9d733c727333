"""Where evidence files live: one small interface, a disk implementation (object storage can
implement the same two methods)."""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

FALLBACK_NAME = "tep-dinh-kem"  # "attachment": what an upload named only "..", "/" or "" gets
MAX_NAME_LENGTH = 120  # characters, extension included
_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')  # not in names on any disk, nor headers
_RFC5987_SAFE = "!#$&+-.^_`|~"  # attr-chars besides letters and digits (RFC 8187)


def safe_filename(name: str) -> str:
    """An uploaded file's name reduced to a safe base name: no folders, no `..`, no control
    or invisible characters, NFC, at most MAX_NAME_LENGTH characters with the extension kept;
    Vietnamese letters stay."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # a base name, whichever the client's separator
    name = "".join(" " if c.isspace() else c for c in name
                   if c.isspace() or not unicodedata.category(c).startswith("C"))
    name = _FORBIDDEN.sub("-", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        return FALLBACK_NAME
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    stem = stem[:MAX_NAME_LENGTH - len(ext)].rstrip(" .") or FALLBACK_NAME
    return stem + ext


def ascii_filename(name: str) -> str:
    """The name without diacritics, for clients that only read `filename=`."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in plain)
    return plain.strip() or FALLBACK_NAME


def content_disposition(name: str, kind: str = "attachment") -> str:
    """A Content-Disposition header value (RFC 6266): an ASCII `filename` and, for names
    that are not plain ASCII, `filename*` in UTF-8."""
    name = safe_filename(name)
    fallback = ascii_filename(name)
    value = f'{kind}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_RFC5987_SAFE)}"
    return value


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
