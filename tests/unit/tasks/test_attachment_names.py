"""Evidence file names: reduced to a safe base name when stored, sent back per RFC 6266."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime

import pytest

from services.tasks import service
from services.tasks.domain import FastCalendar
from services.tasks.storage import MAX_NAME_LENGTH, content_disposition, safe_filename

API = "/tasks/api/v1"


@pytest.mark.parametrize("uploaded,stored", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\lan\\Desktop\\Báo cáo quý 3.pdf", "Báo cáo quý 3.pdf"),
    ("..", "tep-dinh-kem"),
    ("../../", "tep-dinh-kem"),
    ("", "tep-dinh-kem"),
    ("Biên bản\x00 họp\x1b\u202e.docx", "Biên bản họp.docx"),
    ("đề án\t\tnăm 2020 .pdf", "đề án năm 2020.pdf"),
    ('Hồ sơ "mật"?.xlsx', "Hồ sơ -mật--.xlsx"),
    (".htaccess", "htaccess"),
])
def test_an_uploaded_name_becomes_a_safe_base_name_keeping_vietnamese_letters(uploaded, stored):
    assert safe_filename(uploaded) == stored


def test_a_decomposed_vietnamese_name_is_stored_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Kế hoạch.pdf")
    assert safe_filename(decomposed) == unicodedata.normalize("NFC", "Kế hoạch.pdf")
    assert safe_filename(decomposed) != decomposed


def test_a_long_name_is_cut_but_keeps_its_extension():
    name = safe_filename("Báo cáo " * 40 + ".xlsx")
    assert len(name) <= MAX_NAME_LENGTH and name.endswith(".xlsx")


def test_content_disposition_has_an_ascii_filename_and_filename_star_for_vietnamese():
    assert content_disposition("Biên bản họp.pdf") == (
        "attachment; filename=\"Bien ban hop.pdf\"; "
        "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20h%E1%BB%8Dp.pdf")
    assert content_disposition("report-2020.pdf") == 'attachment; filename="report-2020.pdf"'


def test_an_uploaded_path_is_stored_as_its_base_name_and_downloaded_with_rfc_6266(world):
    with world.db.uow() as uow:
        task = service.add_task(uow=uow, actor_id=None, lead_unit_id=world.units["SCT"],
                                title="Tập huấn", assignee_unit_id=world.units["D1"],
                                deadline=date(2030, 1, 7), calendar=FastCalendar(),
                                now=datetime.now(UTC))
        uow.commit()
    headers = world.login("rep1")
    base = f"{API}/tasks/{task.id}/attachments"
    uploaded = world.client.post(base, headers=headers, data={
        "file": (io.BytesIO(b"%PDF-1.4"), "../../Đề án\r\n 2020.pdf", "application/pdf")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["filename"] == "Đề án 2020.pdf"
    downloaded = world.client.get(f"{base}/{uploaded.json['id']}", headers=headers)
    assert downloaded.headers["Content-Disposition"] == (
        "attachment; filename=\"De an 2020.pdf\"; "
        "filename*=UTF-8''%C4%90%E1%BB%81%20%C3%A1n%202020.pdf")
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in downloaded.headers["Content-Security-Policy"]
