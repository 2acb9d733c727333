"""Hostile request bodies, text payloads and Excel files, and where in an OpenAPI they go."""

from __future__ import annotations

import io
import re
import struct
import uuid
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

# (label, body bytes, expected status): bodies no JSON endpoint may take.
BROKEN_BODIES: list[tuple[str, bytes, int]] = [
    ("malformed JSON", b'{"title": "unterminated', 400),
    ("huge body (2 MiB)", b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}', 413),
    ("100k levels of arrays", b"[" * 100_000 + b"]" * 100_000, 400),
    ("50k levels of objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, 400),
    ("invalid UTF-8", b'{"title": "\xff\xfe\xc3\x28"}', 400),
    ("NUL in a value", b'{"title": "a\\u0000b"}', 422),
    ("NUL in a key", b'{"ti\\u0000tle": "a"}', 422),
]

# Text that must be stored as typed (or refused), never run as SQL, a template or a script.
HOSTILE_TEXTS = [
    "' OR 1=1 --",
    "'; DROP TABLE audit_log; --",
    "{{7*7}}",
    "${7*7}",
    "{0.__class__} %s%n",
    "<script>alert('xss')</script>",
    "\"><img src=x onerror=alert(1)>",
]

# Text no text field may take (a 422 naming the field): control characters, a lone escape,
# a bidi override. Tabs and line breaks are refused in single-line fields only.
REFUSED_TEXTS = [
    "Báo cáo\u001b[2J\u001b[31m",
    "\u001b",
    "chuông\x07 và xoá\x08",
    "\u202etxt.exe",
    "\x7f\x85\x9f",
]
# Whitespace only: refused in titles, names, codes and reasons (descriptions may be blank).
BLANK_TEXTS = ["   ", "\u00a0\u3000"]
BLANK_ALLOWED = ("description", "note", "legal_basis", "narrative", "sector")
# Passwords are never stored or shown (only their hash), and are taken as typed.
NOT_TEXT = ("password", "current_password", "new_password")
# Decomposed Vietnamese (NFD): stored as its composed form (NFC).
NON_NFC_TEXT = "Hai\u0309 Du\u031bo\u031bng"  # "Hải Dương" as a Mac keyboard may send it
# A yearly rule whose last date is before any plan's period: 422 naming `rrule`, not a 500.
RRULE_WITHOUT_OCCURRENCE = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=20;UNTIL=19991231T000000"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def json_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, body schema) of every operation that takes a JSON body."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {}) \
                if isinstance(operation, dict) else {}
            if "application/json" in content:
                yield method.upper(), path, _resolve(spec, content["application/json"]["schema"])


def text_fields(spec: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted names of the free-text fields of a body (no enum, no format), nested objects too."""
    names = []
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(spec, prop)
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string" and "enum" not in prop and "format" not in prop:
            names.append(prefix + name)
        elif prop.get("type") == "object" or "properties" in prop:
            names.extend(text_fields(spec, prop, prefix + name + "."))
    return names


def fill_path(path: str) -> str:
    """An OpenAPI path with made-up values that fit the route (ids, days, codes)."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "day":
            return "2026-12-01"
        return "CODE" if name == "code" else str(uuid.uuid4())
    return re.sub(r"\{([^}]+)\}", value, path)


def set_field(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of the body with one (possibly nested) field set."""
    out = {**body}
    head, _, rest = dotted.partition(".")
    out[head] = set_field(out.get(head) or {}, rest, value) if rest else value
    return out


def get_field(body: Any, dotted: str) -> Any:
    """A (possibly nested) field of a response body, or None."""
    for part in dotted.split("."):
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


# --- Excel uploads ------------------------------------------------------------------------

def zip_bomb(mebibytes: int = 480) -> bytes:
    """An .xlsx-looking zip under 512 KiB whose [Content_Types].xml inflates to ~0.5 GB.

    Deflate packs at most ~1:1030, so this is the largest one part can be under the upload
    limit. The part is one flushed deflate block of 1 MiB of spaces repeated (a full flush
    makes each block independent), so building it takes a moment, not GBs of memory.
    """
    chunk = b" " * (1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    head = b'<?xml version="1.0" encoding="UTF-8"?>'
    data = _deflated(head) + block * mebibytes + b"\x03\x00"  # an empty final block
    crc = zlib.crc32(head)
    for _ in range(mebibytes):
        crc = zlib.crc32(chunk, crc)
    return _zip([("[Content_Types].xml", data, crc, len(head) + mebibytes * len(chunk))])


def _deflated(raw: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(raw) + compressor.flush(zlib.Z_FULL_FLUSH)


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of already deflated entries: (name, deflated data, crc32, inflated size)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in entries:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size,
                              len(encoded), 0) + encoded + data)
        directory.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc,
                                    len(data), size, len(encoded), 0, 0, 0, 0, 0, offset)
                        + encoded)
    start = out.tell()
    out.write(directory.getvalue())
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                          len(directory.getvalue()), start, 0))
    return out.getvalue()


def macro_workbook(template: bytes) -> bytes:
    """A real template turned into an .xlsm: macro content type and a vbaProject.bin part."""
    source = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            archive.writestr(item, data)
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Attribute VB_Name = 'Auto_Open'")
    return out.getvalue()


def foreign_workbook() -> bytes:
    """A valid .xlsx that is not our template (another sheet, other cells)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "Bảng lương tháng 11"
    wb.active["B2"] = 123
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
