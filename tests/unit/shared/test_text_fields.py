"""The text fields every input schema uses: control characters, blank text, NFC."""

from __future__ import annotations

import unicodedata

import pytest
from marshmallow import ValidationError
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from shared.schemas import MultilineText, StrictSchema, Text
from shared.text import printable, text_problem


class Sample(StrictSchema):
    title = Text()
    body = MultilineText()
    note = MultilineText(blank=True)


def _errors(**body) -> dict:
    with pytest.raises(ValidationError) as caught:
        Sample().load(body)
    return caught.value.messages


@pytest.mark.parametrize("char", ["\x1b", "\x00", "\x07", "\x7f", "\x85", "\u202e", "\u2066",
                                  "\ud800"])
def test_a_single_line_field_refuses_control_bidi_and_surrogate_characters(char):
    message = _errors(title=f"Báo cáo{char}năm")["title"][0]
    assert f"U+{ord(char):04X}" in message and "position 8" in message
    assert "ký tự điều khiển" in message.vi and "vị trí 8" in message.vi


@pytest.mark.parametrize("char", ["\t", "\n", "\r", "\u2028"])
def test_a_single_line_field_refuses_tabs_and_line_breaks(char):
    message = _errors(title=f"a{char}b")["title"][0]
    assert "single line" in message and "một dòng" in message.vi


def test_a_multi_line_field_takes_tabs_and_line_breaks_but_not_escape():
    assert Sample().load({"body": "Dòng 1\r\n\tDòng 2"})["body"] == "Dòng 1\r\n\tDòng 2"
    assert "U+001B" in _errors(body="Dòng 1\n\x1b[31m")["body"][0]


def test_whitespace_only_text_is_refused_unless_the_field_allows_blank():
    assert _errors(title="   ")["title"][0].vi == "Không được chỉ gồm khoảng trắng."
    assert _errors(body=" \n\t ")["body"][0] == "May not be only whitespace."
    assert Sample().load({"note": " \n "}) == {"note": " \n "}
    assert Sample().load({"title": ""}) == {"title": ""}  # emptiness is the validators' call


def test_text_is_stored_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Hải Dương – Kế hoạch")
    assert decomposed != "Hải Dương – Kế hoạch"
    assert Sample().load({"title": decomposed})["title"] == "Hải Dương – Kế hoạch"


def test_wrong_types_and_unknown_fields_keep_their_messages():
    assert _errors(title=12)["title"] == ["Not a valid string."]
    assert _errors(other="x")["other"] == ["Unknown field."]


def test_format_characters_of_ordinary_text_are_kept():
    # zero-width joiner (emoji), soft hyphen: they occur in pasted Vietnamese text
    assert text_problem("Sở\u00adCông\u200dThương") is None


def test_printable_text_is_safe_for_a_workbook_and_one_line():
    every_illegal = "".join(chr(c) for c in range(0x20) if ILLEGAL_CHARACTERS_RE.match(chr(c)))
    cleaned = printable(f"Sở{every_illegal}\u202eCông\nThương", multiline=False)
    assert cleaned == "SởCông Thương"
    assert printable("a\r\nb\x1b", multiline=True) == "a\r\nb"
    assert printable(unicodedata.normalize("NFD", "Dương")) == "Dương"
