"""Message codes of the notifications service (Vietnamese, English)."""

from __future__ import annotations

from shared.i18n import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "webhook_url_invalid": (
        "Địa chỉ webhook không hợp lệ: cần URL http:// hoặc https:// có tên máy chủ, "
        "không kèm tên đăng nhập hay mật khẩu.",
        "Invalid webhook URL: an http:// or https:// URL with a host name is needed, "
        "without user name or password."),
    "webhook_url_not_allowed": (
        "Địa chỉ webhook không nằm trong danh sách máy chủ được phép "
        "(NOTIFY_WEBHOOK_ALLOWLIST).",
        "The webhook URL is not on the list of allowed hosts (NOTIFY_WEBHOOK_ALLOWLIST)."),
    "never_silenced": (
        "Cảnh báo leo thang và thay đổi trạng thái chỉ tiêu luôn được gửi vào hộp thư; "
        "không thể tắt kênh 'inbox' cho loại này.",
        "Escalations and KPI alerts always reach the inbox; the 'inbox' channel cannot be "
        "turned off for this type."),
    "quiet_hours_invalid": ("Giờ phải có dạng HH:MM (00:00 đến 23:59).",
                            "Times must be HH:MM (00:00 to 23:59)."),
    "unit_out_of_scope": ("Bạn chỉ được đăng ký webhook cho đơn vị của mình.",
                          "You may register webhooks only for your own unit."),
    "delivery_not_retryable": (
        "Chỉ gửi lại được các lượt gửi đã thất bại hẳn (trạng thái 'dead').",
        "Only deliveries that failed for good (status 'dead') can be retried."),
}


def install() -> None:
    """Register the codes (idempotent)."""
    register_messages(MESSAGES)


install()
