"""Messages in Vietnamese and English, and the choice of language for a request."""

from __future__ import annotations

import re

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# Problem titles by HTTP status.
TITLES: dict[int, tuple[str, str]] = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    401: ("Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ", "Not authenticated"),
    403: ("Không có quyền thực hiện thao tác này", "Forbidden"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Phương thức không được hỗ trợ", "Method not allowed"),
    409: ("Xung đột với dữ liệu hiện có", "Conflict"),
    413: ("Dữ liệu gửi lên quá lớn", "Request body too large"),
    415: ("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    422: ("Dữ liệu không hợp lệ", "Invalid input"),
    429: ("Quá nhiều yêu cầu, vui lòng thử lại sau", "Too many requests"),
    500: ("Lỗi hệ thống", "Internal error"),
    503: ("Dịch vụ tạm thời không sẵn sàng", "Service unavailable"),
}

# Our own messages, by code: (Vietnamese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_credentials": ("Tên đăng nhập hoặc mật khẩu không đúng.",
                            "Wrong username or password."),
    "token_missing": ("Thiếu mã truy cập (Authorization: Bearer ...).",
                      "Missing access token (Authorization: Bearer ...)."),
    "token_invalid": ("Mã truy cập không hợp lệ hoặc đã hết hạn.",
                      "The access token is invalid or expired."),
    "user_inactive": ("Tài khoản đã bị khóa; mã truy cập của nó không còn dùng được.",
                      "This account is deactivated; its access tokens no longer work."),
    "token_revoked": ("Phiên đăng nhập đã hết hiệu lực vì tài khoản vừa thay đổi; "
                      "vui lòng đăng nhập lại.",
                      "This session has ended because the account was changed; "
                      "please log in again."),
    "role_required": ("Thao tác này cần một trong các vai trò: {roles}.",
                      "This action needs one of the roles: {roles}."),
    "not_found": ("Không tìm thấy {what}.", "{what} not found."),
    "out_of_scope": ("Đơn vị của bạn không được thao tác trên đơn vị này.",
                     "Your unit may not act on this unit."),
    "invalid_json": ("Nội dung gửi lên không phải JSON hợp lệ.", "The body is not valid JSON."),
    "json_too_deep": ("Dữ liệu JSON lồng nhau quá sâu (tối đa {depth} mức).",
                      "The JSON nests too deeply (at most {depth} levels)."),
    "nul_character": ("Không được chứa ký tự NUL (\\u0000).",
                      "May not contain the NUL character (\\u0000)."),
    "text_control_character": ("Không được chứa ký tự điều khiển hoặc ký tự ẩn ({char}, ở vị "
                               "trí {position}); hãy gõ lại hoặc dán dưới dạng văn bản thuần.",
                               "May not contain a control or hidden character ({char}, at "
                               "position {position}); type it again or paste it as plain text."),
    "text_line_break": ("Trường này chỉ có một dòng: không được chứa xuống dòng hay tab ({char}, "
                        "ở vị trí {position}).",
                        "This field is a single line: it may not contain a line break or a tab "
                        "({char}, at position {position})."),
    "text_blank": ("Không được chỉ gồm khoảng trắng.", "May not be only whitespace."),
    "json_required": ("Nội dung phải là JSON (Content-Type: application/json).",
                      "The body must be JSON (Content-Type: application/json)."),
    "deadline_past": ("Hạn không được trước ngày hôm nay ({today}).",
                      "The deadline may not be before today ({today})."),
    "unit_unknown": ("Không có đơn vị với mã định danh này.", "No unit has this id."),
    "transition_not_allowed": ("Không thể chuyển công việc từ trạng thái '{current}' sang "
                               "'{target}' với vai trò của bạn.",
                               "You may not move this task from '{current}' to '{target}'."),
    "reason_required": ("Cần nêu lý do.", "A reason is required."),
    "username_taken": ("Tên đăng nhập đã được dùng.", "This username is taken."),
    "conflict": ("Trùng với dữ liệu đã có (mã hoặc khóa đã được dùng); không có gì được lưu.",
                 "This clashes with stored data (a code or key is taken); nothing was saved."),
    "changed_meanwhile": ("Dữ liệu vừa được người khác thay đổi; hãy tải lại rồi thử lại. "
                          "Không có gì được lưu.",
                          "Someone else changed this meanwhile; reload and try again. "
                          "Nothing was saved."),
    "http_400": ("Yêu cầu không hợp lệ.", "The request is not valid."),
    "http_404": ("Không có địa chỉ này.", "There is no such address."),
    "http_405": ("Địa chỉ này không nhận phương thức {method}.",
                 "This address does not take the {method} method."),
    "http_413": ("Dữ liệu gửi lên quá lớn (tối đa {max}).",
                 "The request body is too large (at most {max})."),
    "http_415": ("Kiểu nội dung không được hỗ trợ.", "This content type is not supported."),
    "service_unavailable": ("Cơ sở dữ liệu tạm thời không sẵn sàng, vui lòng thử lại.",
                            "The database is temporarily unavailable, please retry."),
    "date_format": ("Ngày phải có dạng dd/mm/yyyy, ví dụ 31/12/2025.",
                    "Dates must be dd/mm/yyyy, e.g. 31/12/2025."),
    "internal_error": ("Đã có lỗi hệ thống; lỗi đã được ghi lại.",
                       "An internal error occurred; it has been logged."),
}

# marshmallow's and webargs' default messages, translated. Exact texts first, then patterns.
_EXACT: dict[str, str] = {
    "Missing data for required field.": "Thiếu dữ liệu cho trường bắt buộc.",
    "Field may not be null.": "Trường này không được để trống (null).",
    "Unknown field.": "Trường không được hỗ trợ.",
    "Not a valid string.": "Không phải chuỗi ký tự hợp lệ.",
    "Not a valid integer.": "Không phải số nguyên hợp lệ.",
    "Not a valid number.": "Không phải số hợp lệ.",
    "Not a valid boolean.": "Không phải giá trị đúng/sai hợp lệ.",
    "Not a valid UUID.": "Không phải mã định danh (UUID) hợp lệ.",
    "Not a valid date.": "Không phải ngày hợp lệ (định dạng YYYY-MM-DD).",
    "Not a valid datetime.": "Không phải thời điểm hợp lệ (ISO 8601).",
    "Not a valid list.": "Không phải danh sách hợp lệ.",
    "Not a valid mapping type.": "Không phải đối tượng JSON hợp lệ.",
    "Invalid input type.": "Kiểu dữ liệu không hợp lệ.",
    "Invalid value.": "Giá trị không hợp lệ.",
    "Not a valid email address.": "Không phải địa chỉ thư điện tử hợp lệ.",
    "Not a valid URL.": "Không phải địa chỉ URL hợp lệ.",
    "Shorter than minimum length 1.": "Không được để trống.",
    "Special numeric values (nan or infinity) are not permitted.":
        "Không chấp nhận giá trị đặc biệt (nan, vô cùng).",
    "Invalid JSON body.": "Nội dung gửi lên không phải JSON hợp lệ.",
    "Invalid JSON body": "Nội dung gửi lên không phải JSON hợp lệ.",
}
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Must be greater than or equal to (.+) and less than or equal to (.+)\.$"),
     r"Phải lớn hơn hoặc bằng \1 và nhỏ hơn hoặc bằng \2."),
    (re.compile(r"^Must be greater than or equal to (.+)\.$"), r"Phải lớn hơn hoặc bằng \1."),
    (re.compile(r"^Must be less than or equal to (.+)\.$"), r"Phải nhỏ hơn hoặc bằng \1."),
    (re.compile(r"^Must be greater than (.+)\.$"), r"Phải lớn hơn \1."),
    (re.compile(r"^Must be less than (.+)\.$"), r"Phải nhỏ hơn \1."),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     r"Độ dài phải từ \1 đến \2 ký tự."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"Ngắn hơn độ dài tối thiểu \1."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"Dài hơn độ dài tối đa \1."),
    (re.compile(r"^Must be one of: (.+)\.$"), r"Phải là một trong các giá trị: \1."),
    (re.compile(r"^Not a valid (.+)\.$"), r"Không phải \1 hợp lệ."),
]


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add a service's own message codes: {code: (Vietnamese, English)}."""
    clashes = {code for code in messages if code in MESSAGES and MESSAGES[code] != messages[code]}
    if clashes:
        raise ValueError(f"message codes defined twice: {sorted(clashes)}")
    MESSAGES.update(messages)


def message(code: str, lang: str = DEFAULT_LANGUAGE, /, **params) -> str:
    """One of our messages in the given language."""
    vi, en = MESSAGES[code]
    return (vi if lang == "vi" else en).format(**params)


def both(code: str, /, **params) -> dict[str, str]:
    """One of our messages in both languages."""
    vi, en = MESSAGES[code]
    return {"vi": vi.format(**params), "en": en.format(**params)}


def translate_validation_message(text: str) -> dict[str, str]:
    """A library validation message (English) in both languages."""
    if text in _EXACT:
        return {"vi": _EXACT[text], "en": text}
    for pattern, replacement in _PATTERNS:
        if pattern.match(text):
            return {"vi": pattern.sub(replacement, text), "en": text}
    return {"vi": text, "en": text}


def pick_language(accept_language: str | None, preferred: str | None = None, *,
                  fallback: str | None = None) -> str:
    """The explicit choice, else Accept-Language, else the fallback, else Vietnamese."""
    if preferred in LANGUAGES:
        return preferred
    if accept_language:
        ranked = []
        for part in accept_language.split(","):
            tag, _, q = part.strip().partition(";q=")
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((weight, tag.strip().lower()[:2]))
        for _, tag in sorted(ranked, key=lambda r: -r[0]):
            if tag in LANGUAGES:
                return tag
    return fallback if fallback in LANGUAGES else DEFAULT_LANGUAGE


class LocalizedText(str):
    """A validation message that carries its Vietnamese text; str() is the English one."""

    vi: str

    def __new__(cls, code: str, /, **params) -> LocalizedText:
        texts = both(code, **params)
        obj = super().__new__(cls, texts["en"])
        obj.vi = texts["vi"]
        return obj

    @classmethod
    def from_texts(cls, vi: str, en: str) -> LocalizedText:
        """A message whose texts come from data (a form's rule), not from a code."""
        obj = str.__new__(cls, en)
        obj.vi = vi
        return obj


def localize(text: str) -> dict[str, str]:
    """Any validation message, ours or a library's, in both languages."""
    if isinstance(text, LocalizedText):
        return {"vi": text.vi, "en": str(text)}
    return translate_validation_message(str(text))
