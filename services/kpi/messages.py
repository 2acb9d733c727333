"""The kpi service's own message codes, in Vietnamese and English."""

from __future__ import annotations

from shared.i18n import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "kpi_duplicate_report": (
        "Đơn vị đã có báo cáo {form} năm {year}; hãy sửa báo cáo hiện có.",
        "The unit already has a {form} report for {year}; edit that one."),
    "kpi_not_reporting_unit": (
        "Chỉ UBND cấp huyện và Ban Quản lý các khu công nghiệp lập báo cáo này.",
        "Only district-level units and the industrial-zone board file this report."),
    "kpi_unit_not_valid_in_year": (
        "Đơn vị của bạn không còn (hoặc chưa) tồn tại trong kỳ báo cáo năm {year}.",
        "Your unit did not exist in the {year} reporting period."),
    "kpi_year_in_future": (
        "Không lập báo cáo cho năm chưa bắt đầu (năm hiện tại: {current}).",
        "A report may not be filed for a year that has not begun (current year: {current})."),
    "kpi_report_not_submittable": (
        "Báo cáo đang ở trạng thái '{current}'; chỉ gửi được báo cáo nháp hoặc bị trả lại.",
        "The report is '{current}'; only a draft or a returned report can be submitted."),
    "kpi_not_own_report": (
        "Chỉ cán bộ của đơn vị lập báo cáo mới được gửi báo cáo này.",
        "Only the reporting unit's own staff may submit this report."),
    "kpi_report_not_editable": (
        "Báo cáo đang ở trạng thái '{current}'; chỉ sửa được báo cáo nháp hoặc bị trả lại.",
        "The report is '{current}'; only a draft or a returned report can be edited."),
    "kpi_reviewer_required": (
        "Chỉ Giám đốc Sở hoặc cán bộ điều phối của đơn vị chủ trì ({unit}) được duyệt hoặc trả "
        "lại báo cáo.",
        "Only the department head or a coordinator of the lead unit ({unit}) may approve or "
        "return reports."),
    "kpi_report_not_approvable": (
        "Báo cáo đang ở trạng thái '{current}'; chỉ duyệt được báo cáo đã gửi.",
        "The report is '{current}'; only a submitted report can be approved."),
    "kpi_report_not_returnable": (
        "Báo cáo đang ở trạng thái '{current}'; chỉ trả lại được báo cáo đã gửi hoặc đã duyệt.",
        "The report is '{current}'; only a submitted or approved report can be returned."),
    "kpi_upload_too_big": (
        "Tệp quá lớn (tối đa {max}).", "The file is too big (at most {max})."),
    "kpi_upload_unpacked_too_big": (
        "Tệp nén bên trong quá lớn khi giải nén (tối đa {max}); đây không phải mẫu báo cáo.",
        "The file unpacks to too much data (at most {max}); it is not a report template."),
    "kpi_upload_not_xlsx": (
        "Tệp không phải bảng tính Excel .xlsx đọc được.",
        "The file is not a readable Excel .xlsx workbook."),
    "kpi_upload_macro": (
        "Tệp chứa macro (.xlsm); hãy lưu lại dưới dạng .xlsx không có macro.",
        "The file contains macros (.xlsm); save it as a macro-free .xlsx."),
    "kpi_upload_wrong_template": (
        "Tệp không phải mẫu báo cáo tải từ hệ thống; hãy tải mẫu mới và nhập lại.",
        "The file is not a report template downloaded from this system; download a fresh one."),
    "kpi_upload_wrong_version": (
        "Mẫu báo cáo đã cũ hoặc của biểu mẫu khác (cần {form} phiên bản {version}).",
        "The template is outdated or of another form (expected {form} version {version})."),
    "kpi_upload_other_unit": (
        "Mẫu này của đơn vị khác; hãy tải mẫu của đơn vị mình.",
        "This template belongs to another unit; download your own unit's template."),
    "kpi_upload_not_a_number": (
        "{label} phải là một số.", "{label_en} must be a number."),
    "kpi_upload_not_whole": (
        "{label} phải là số nguyên.", "{label_en} must be a whole number."),
    "kpi_upload_unknown_field": (
        "Dòng có mã trường không thuộc mẫu (hoặc lặp lại); không sửa cột A.",
        "The row's field code is not part of the template (or repeats it); leave column A "
        "as it was."),
    "kpi_upload_row_missing": (
        "Thiếu dòng {label} trong mẫu.", "The template lacks the row of {label_en}."),
    "kpi_upload_file_required": (
        "Cần đính kèm tệp Excel ở trường 'file'.",
        "Attach the Excel file in the 'file' field."),
    "kpi_upload_has_problems": (
        "Tệp có {count} lỗi; chưa lưu gì. Hãy sửa theo danh sách rồi tải lên lại.",
        "The file has {count} problem(s); nothing was saved. Fix them and upload again."),
    "kpi_register_aware_without_potential": (
        "Cơ sở '{name}': chỉ cơ sở có tiềm năng SXSH mới được đánh dấu nhận thức.",
        "Facility '{name}': only a facility with CP potential can be marked aware."),
    "kpi_register_applying_without_potential": (
        "Cơ sở '{name}': chỉ cơ sở có tiềm năng SXSH mới được đánh dấu áp dụng.",
        "Facility '{name}': only a facility with CP potential can be marked applying."),
    "kpi_register_saving_range": (
        "Cơ sở '{name}': mức tiết kiệm phải từ 0 đến 100 (%).",
        "Facility '{name}': the saving must be between 0 and 100 (%)."),
    "kpi_register_saving_without_applying": (
        "Cơ sở '{name}': chỉ cơ sở áp dụng SXSH mới có mức tiết kiệm.",
        "Facility '{name}': only a facility applying CP has a saving."),
    "kpi_register_disagrees": (
        "{label} ({given}) không khớp với danh sách cơ sở ({derived}).",
        "{label_en} ({given}) does not agree with the facility register ({derived})."),
    "kpi_target_before_baseline": (
        "Năm mục tiêu phải sau năm cơ sở.", "The target year must come after the baseline year."),
    "kpi_range_inverted": (
        "Cận dưới của khoảng mục tiêu không được lớn hơn cận trên.",
        "The range's lower bound may not exceed its upper bound."),
    "kpi_field_required": (
        "Cần nhập {label} trước khi gửi báo cáo.",
        "{label_en} is required before the report is submitted."),
    "kpi_count_range": (
        "{label} phải là số nguyên từ {min} đến {max}.",
        "{label_en} must be a whole number from {min} to {max}."),
    "kpi_percent_range": (
        "{label} phải từ {min} đến {max} (%).",
        "{label_en} must be between {min} and {max} (%)."),
    "kpi_number_range": (
        "{label} phải từ {min} đến {max}.", "{label_en} must be between {min} and {max}."),
    "kpi_number_min": (
        "{label} không được nhỏ hơn {min}.", "{label_en} may not be less than {min}."),
    "kpi_number_max": (
        "{label} không được lớn hơn {max}.", "{label_en} may not be more than {max}."),
    "kpi_choice_unknown": (
        "{label} phải là một trong: {choices}.", "{label_en} must be one of: {choices}."),
    "kpi_date_invalid": (
        "{label} phải là một ngày (YYYY-MM-DD).", "{label_en} must be a date (YYYY-MM-DD)."),
    # A form definition's problems (forms.check_form, rules.check_rule).
    "kpi_form_shape": (
        "{where}: '{key}' bị thiếu hoặc sai kiểu.", "{where}: '{key}' is missing or of the "
        "wrong type."),
    "kpi_form_duplicate": (
        "Biểu mẫu '{form}' được khai báo hai lần.", "The form '{form}' is defined twice."),
    "kpi_form_kind_unknown": (
        "Trường '{field}': không có kiểu '{kind}' (dùng một trong: {kinds}).",
        "Field '{field}': there is no kind '{kind}' (use one of: {kinds})."),
    "kpi_form_field_duplicate": (
        "Mã trường '{field}' xuất hiện hai lần.", "The field code '{field}' appears twice."),
    "kpi_form_field_code": (
        "Mã trường '{field}' chỉ được gồm chữ không dấu, chữ số và dấu gạch dưới.",
        "The field code '{field}' may only hold letters, digits and underscores."),
    "kpi_form_bounds_not_number": (
        "Trường '{field}': chỉ trường số mới có giá trị nhỏ nhất, lớn nhất.",
        "Field '{field}': only number fields have a min and a max."),
    "kpi_form_min_above_max": (
        "Trường '{field}': giá trị nhỏ nhất ({min}) lớn hơn giá trị lớn nhất ({max}).",
        "Field '{field}': the min ({min}) is above the max ({max})."),
    "kpi_form_choices": (
        "Trường '{field}': trường lựa chọn cần danh sách lựa chọn, trường khác thì không.",
        "Field '{field}': a choice field needs its choices, and only a choice field has them."),
    "kpi_form_rule_duplicate": (
        "Mã quy tắc '{rule}' xuất hiện hai lần.", "The rule code '{rule}' appears twice."),
    "kpi_form_rule_field": (
        "Quy tắc '{rule}': trường nhận thông báo lỗi '{field}' không có trong biểu mẫu.",
        "Rule '{rule}': the field '{field}' that gets its message is not in the form."),
    "kpi_form_rule_placeholder": (
        "Quy tắc '{rule}': thông báo dùng {{{name}}}, không phải mã trường của biểu mẫu.",
        "Rule '{rule}': the message uses {{{name}}}, which is not a field code of the form."),
    "kpi_form_rule_length": (
        "Quy tắc '{rule}': biểu thức trống hoặc dài quá {max} ký tự.",
        "Rule '{rule}': the expression is empty or longer than {max} characters."),
    "kpi_form_rule_syntax": (
        "Quy tắc '{rule}': biểu thức '{part}' sai cú pháp (ở ký tự {column}).",
        "Rule '{rule}': the expression '{part}' is not valid (at character {column})."),
    "kpi_form_rule_unknown_field": (
        "Quy tắc '{rule}': '{name}' không phải mã trường của biểu mẫu.",
        "Rule '{rule}': '{name}' is not a field code of the form."),
    "kpi_form_rule_forbidden": (
        "Quy tắc '{rule}': không được dùng '{part}'; chỉ dùng số, mã trường, + - * /, so sánh, "
        "and, or, not và dấu ngoặc.",
        "Rule '{rule}': '{part}' is not allowed; use only numbers, field codes, + - * /, "
        "comparisons, and, or, not and parentheses."),
    "kpi_form_rule_types": (
        "Quy tắc '{rule}': '{part}' kết hợp {left_vi} với {right_vi}.",
        "Rule '{rule}': '{part}' combines {left_en} with {right_en}."),
    "kpi_form_rule_not_condition": (
        "Quy tắc '{rule}': '{part}' phải là một điều kiện (đúng hoặc sai), ví dụ a <= b.",
        "Rule '{rule}': '{part}' must be a condition (true or false), e.g. a <= b."),
    "kpi_rule_increase": (
        "Đạt nếu ≥ {target}; đúng tiến độ nếu ≥ {expected} (mức kỳ vọng năm {year} trên đường "
        "thẳng từ {baseline} năm {baseline_year} đến {target} năm {target_year}); có nguy cơ không "
        "đạt nếu ≥ {risk}; còn lại là chậm tiến độ; chưa có số liệu nếu chưa có báo cáo.",
        "Achieved if ≥ {target}; on track if ≥ {expected} (expected for {year} on the straight "
        "line from {baseline} in {baseline_year} to {target} in {target_year}); at risk if ≥ "
        "{risk}; otherwise off track; no data without reports."),
    "kpi_rule_decrease": (
        "Đạt nếu ≤ {target}; đúng tiến độ nếu ≤ {expected} (mức kỳ vọng năm {year} trên đường "
        "thẳng từ {baseline} năm {baseline_year} đến {target} năm {target_year}); có nguy cơ không "
        "đạt nếu ≤ {risk}; còn lại là chậm tiến độ; chưa có số liệu nếu chưa có báo cáo.",
        "Achieved if ≤ {target}; on track if ≤ {expected} (expected for {year} on the straight "
        "line from {baseline} in {baseline_year} to {target} in {target_year}); at risk if ≤ "
        "{risk}; otherwise off track; no data without reports."),
    "kpi_rule_range": (
        "Khoảng mục tiêu {target_min}–{target_max}: đạt nếu ≥ {target_min} (vượt {target_max} "
        "vẫn là đạt); đúng tiến độ nếu ≥ {expected} (mức kỳ vọng năm {year} trên đường thẳng "
        "từ {baseline} năm {baseline_year} đến {target_min} năm {target_year}); có nguy cơ "
        "không đạt nếu ≥ {risk}; còn lại là chậm tiến độ; chưa có số liệu nếu chưa có báo cáo.",
        "Target range {target_min}–{target_max}: achieved if ≥ {target_min} (above "
        "{target_max} also counts as achieved); on track if ≥ {expected} (expected for {year} "
        "on the straight line from {baseline} in {baseline_year} to {target_min} in "
        "{target_year}); at risk if ≥ {risk}; otherwise off track; no data without reports."),
    "kpi_units_own_only": (
        "Chỉ hiển thị số liệu của đơn vị bạn và toàn tỉnh.",
        "Only your unit and the province are shown."),
    "kpi_page_year_invalid": (
        "Năm không hợp lệ (từ 2000 đến 2100).", "The year is not valid (2000 to 2100)."),
    "kpi_page_upload_values_lost": (
        "Không đọc được số liệu cần lưu; hãy tải tệp lên lại.",
        "The values to save could not be read; upload the file again."),
}

register_messages(MESSAGES)
