"""The tasks service's own message codes, in Vietnamese and English."""

from __future__ import annotations

from shared.i18n import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "tasks_date_invalid": ("Ngày không hợp lệ; dùng dạng YYYY-MM-DD.",
                           "Not a valid date; use YYYY-MM-DD."),
    "tasks_feed_unknown": ("Đường dẫn lịch không tồn tại hoặc đã bị thu hồi.",
                           "This calendar link does not exist or was revoked."),
    "tasks_password_wrong": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
}

register_messages(MESSAGES)
