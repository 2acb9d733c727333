"""The tasks service's own message codes, in Vietnamese and English."""

from __future__ import annotations

from shared.i18n import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "tasks_login_throttled": ("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
                              "Too many failed logins. Please try again in {minutes} minutes."),
    "tasks_date_invalid": ("Ngày không hợp lệ; dùng dạng YYYY-MM-DD.",
                           "Not a valid date; use YYYY-MM-DD."),
    "tasks_feed_unknown": ("Đường dẫn lịch không tồn tại hoặc đã bị thu hồi.",
                           "This calendar link does not exist or was revoked."),
    "tasks_password_wrong": ("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
    "tasks_rrule_invalid": ("Quy tắc lặp không hợp lệ (RFC 5545, ví dụ FREQ=YEARLY;BYMONTH=12;"
                            "BYMONTHDAY=20).",
                            "Not a valid recurrence rule (RFC 5545, e.g. FREQ=YEARLY;BYMONTH=12;"
                            "BYMONTHDAY=20)."),
    "tasks_rrule_no_occurrence": ("Quy tắc lặp không có ngày nào trong thời gian của kế hoạch "
                                  "({start} – {end}); hãy kiểm tra DTSTART, UNTIL, COUNT và "
                                  "tháng, ngày của quy tắc.",
                                  "The recurrence rule has no date within the plan's period "
                                  "({start} – {end}); check its DTSTART, UNTIL, COUNT, months "
                                  "and days."),
    "tasks_period_order": ("Ngày kết thúc phải sau ngày bắt đầu.",
                           "The end date must follow the start date."),
    "tasks_code_taken": ("Mã '{taken}' đã được dùng.", "The code '{taken}' is taken."),
    "tasks_not_lead_coordinator": ("Chỉ điều phối viên của đơn vị chủ trì (hoặc lãnh đạo) được "
                                   "quản lý nhiệm vụ này.",
                                   "Only a coordinator of the lead unit (or the head) may manage "
                                   "this duty."),
    "tasks_deadline_or_rule": ("Cần hạn hoàn thành (nhiệm vụ một lần) hoặc quy tắc lặp.",
                               "A deadline (one-off duty) or a recurrence rule is required."),
    "tasks_attachment_too_large": ("Tệp quá lớn (tối đa {limit} MB).",
                                   "The file is too large (at most {limit} MB)."),
    "tasks_attachment_type": ("Loại tệp không được chấp nhận ({allowed}).",
                              "This file type is not accepted ({allowed})."),
    "tasks_file_required": ("Cần gửi một tệp trong trường 'file'.",
                            "Send one file in the 'file' field."),
}

register_messages(MESSAGES)
