"""What text the product takes and keeps: no control characters, NFC, not blank.

Input is checked (`text_problem`) by the schemas' text fields and the page forms; text that
is written out (Excel cells, copies kept from events) is made safe (`printable`), since older
rows or another service's events may still carry what input now refuses.
"""

from __future__ import annotations

import re
import unicodedata

from shared.i18n import LocalizedText

LINE_BREAKS = "\t\n\r"  # allowed in multi-line text only
# Format characters that reorder or hide text (the "Trojan source" bidi controls). Other
# format characters (zero-width joiner of emoji, soft hyphen) occur in pasted Vietnamese text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_SEPARATORS = frozenset("\u2028\u2029")  # line breaks in all but name: single-line refuses
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                     + "".join(BIDI_CONTROLS) + "]")


def _refused(char: str, *, multiline: bool) -> bool:
    if char in LINE_BREAKS:
        return not multiline
    if char in LINE_SEPARATORS:
        return not multiline
    return char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs")


def text_problem(value: str, *, multiline: bool = False,
                 blank: bool = False) -> LocalizedText | None:
    """Why this text is refused, or None: a control, bidi or lone surrogate character (tab
    and line breaks only in multi-line text), or only whitespace unless `blank` is allowed."""
    for position, char in enumerate(value, start=1):
        if _refused(char, multiline=multiline):
            code = "text_line_break" if char in LINE_BREAKS or char in LINE_SEPARATORS \
                else "text_control_character"
            return LocalizedText(code, char=f"U+{ord(char):04X}", position=position)
    if value and not blank and not value.strip():
        return LocalizedText("text_blank")
    return None


def normalize(value: str) -> str:
    """The text as it is stored: Unicode NFC (a composed "ệ", however it was typed)."""
    return unicodedata.normalize("NFC", value)


def printable(value: str, *, multiline: bool = False) -> str:
    """Text made safe to write out: NFC, control, bidi and lone surrogate characters removed,
    line breaks kept in multi-line text and turned into spaces otherwise."""
    if not multiline:
        value = re.sub("[\t\n\r\u2028\u2029]+", " ", value)
    cleaned = _UNSAFE.sub("", value)
    return normalize(cleaned)
