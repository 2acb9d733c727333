"""The inbox API: own messages only, order, languages, read marks, errors as problem+json."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.notifications.models import audit_log
from tests.unit.notifications.factories import (
    NOW,
    PEOPLE,
    TU_KY,
    Person,
    auth,
    inbox_of,
    make_event,
    task_data,
)

API = "/notifications/api/v1"
REPORTER = PEOPLE["baocao.tuky"]
COORDINATOR = PEOPLE["dieuphoi.tuky"]  # reads English
OTHER_DISTRICT = PEOPLE["baocao.gialoc"]


@pytest.fixture
def three_tasks(consumer, directory):
    """Three new tasks for Tứ Kỳ, an hour apart (oldest first)."""
    titles = ["Nhiệm vụ 1", "Nhiệm vụ 2", "Nhiệm vụ 3"]
    for hour, title in enumerate(titles):
        consumer.apply(make_event("task.created", task_data(title=title),
                                  at=NOW - timedelta(hours=3 - hour)))
    return titles


def test_every_inbox_endpoint_needs_a_token(client):
    calls = [("get", "/inbox"), ("get", "/inbox/unread-count"),
             ("post", f"/inbox/{uuid.uuid4()}/read"), ("post", "/inbox/read-all")]
    for method, path in calls:
        response = getattr(client, method)(API + path)
        assert response.status_code == 401, path
        assert response.content_type == "application/problem+json"
        assert response.json["details"]["vi"].startswith("Thiếu mã truy cập")


def test_a_forged_token_is_refused(client):
    response = client.get(f"{API}/inbox", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 401


def test_reporter_sees_only_own_inbox(client, settings, consumer, directory, three_tasks):
    consumer.apply(make_event("task.created", task_data(assignee=OTHER_DISTRICT.unit_id)))
    response = client.get(f"{API}/inbox", headers=auth(settings, REPORTER))
    assert response.status_code == 200
    assert [m["title"] for m in response.json] == [f"Công việc mới: {t}"
                                                   for t in reversed(three_tasks)]
    assert response.headers["X-Total-Count"] == "3"
    others = client.get(f"{API}/inbox", headers=auth(settings, OTHER_DISTRICT)).json
    assert len(others) == 1


def test_a_user_with_no_messages_gets_an_empty_inbox(client, settings, directory):
    response = client.get(f"{API}/inbox", headers=auth(settings, PEOPLE["xem.sct"]))
    assert response.status_code == 200 and response.json == []


def test_inbox_lists_unread_first_then_newest(client, settings, three_tasks):
    headers = auth(settings, REPORTER)
    oldest = client.get(f"{API}/inbox", headers=headers).json[-1]
    assert client.post(f"{API}/inbox/{oldest['id']}/read", headers=headers).status_code == 200
    newest_read = client.get(f"{API}/inbox", headers=headers).json[0]
    client.post(f"{API}/inbox/{newest_read['id']}/read", headers=headers)
    titles = [m["title"] for m in client.get(f"{API}/inbox", headers=headers).json]
    assert titles == ["Công việc mới: Nhiệm vụ 2", "Công việc mới: Nhiệm vụ 3",
                      "Công việc mới: Nhiệm vụ 1"]


def test_items_show_the_callers_language_and_both_languages(client, settings, three_tasks):
    item = client.get(f"{API}/inbox", headers=auth(settings, COORDINATOR)).json[0]
    assert item["language"] == "en"
    assert item["title"] == item["title_en"] == "New task: Nhiệm vụ 3"
    assert item["body"] == item["body_en"]
    assert item["title_vi"] == "Công việc mới: Nhiệm vụ 3"
    assert "Hạn hoàn thành: 04/12/2026" in item["body_vi"]
    assert item["read"] is False and item["read_at"] is None
    assert item["link"].startswith("/tasks/tasks/")
    assert item["event_type"] == "task.created"


def test_lang_query_parameter_overrides_the_token_language(client, settings, three_tasks):
    item = client.get(f"{API}/inbox?lang=vi", headers=auth(settings, COORDINATOR)).json[0]
    assert item["language"] == "vi" and item["title"] == "Công việc mới: Nhiệm vụ 3"


def test_limit_offset_and_unread_only_page_the_inbox(client, settings, three_tasks):
    headers = auth(settings, REPORTER)
    page = client.get(f"{API}/inbox?limit=1&offset=1", headers=headers)
    assert [m["title"] for m in page.json] == ["Công việc mới: Nhiệm vụ 2"]
    assert page.headers["X-Total-Count"] == "3"
    first = client.get(f"{API}/inbox", headers=headers).json[0]
    client.post(f"{API}/inbox/{first['id']}/read", headers=headers)
    unread = client.get(f"{API}/inbox?unread_only=true", headers=headers)
    assert len(unread.json) == 2 and unread.headers["X-Total-Count"] == "2"
    assert all(m["read"] is False for m in unread.json)


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=abc", "offset=-1"])
def test_bad_paging_is_a_422_problem_naming_the_field(client, settings, directory, query):
    response = client.get(f"{API}/inbox?{query}", headers=auth(settings, REPORTER))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    [error] = response.json["errors"]
    assert error["field"] == query.split("=")[0]
    assert set(error["messages"]) == {"vi", "en"}


def test_limit_zero_is_explained_in_vietnamese_and_english(client, settings, directory):
    response = client.get(f"{API}/inbox?limit=0", headers=auth(settings, REPORTER))
    body = response.json
    assert body["title"] == "Dữ liệu không hợp lệ"
    [error] = body["errors"]
    assert error["messages"]["vi"] == "Phải lớn hơn hoặc bằng 1 và nhỏ hơn hoặc bằng 200."
    assert error["messages"]["en"] == ("Must be greater than or equal to 1 and less than or "
                                       "equal to 200.")
    assert error["message"] == error["messages"]["vi"]
    english = client.get(f"{API}/inbox?limit=0", headers=auth(settings, COORDINATOR)).json
    assert english["title"] == "Invalid input"
    assert english["errors"][0]["message"] == error["messages"]["en"]


def test_bad_booleans_and_unknown_parameters_are_refused(client, settings, directory):
    headers = auth(settings, REPORTER)
    bad = client.get(f"{API}/inbox?unread_only=maybe", headers=headers)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "unread_only"
    assert bad.json["errors"][0]["messages"]["vi"] == "Không phải giá trị đúng/sai hợp lệ."
    # Every API rejects unknown query parameters: a typo must not silently widen a list.
    typo = client.get(f"{API}/inbox?unread=true", headers=headers)
    assert typo.status_code == 422
    assert typo.json["errors"][0]["field"] == "unread"


def test_an_unknown_language_falls_back_to_the_token_language(client, settings, three_tasks):
    item = client.get(f"{API}/inbox?lang=fr", headers=auth(settings, COORDINATOR)).json[0]
    assert item["language"] == "en"


def test_unread_count_counts_only_the_callers_unread_messages(client, settings, three_tasks):
    assert client.get(f"{API}/inbox/unread-count",
                      headers=auth(settings, REPORTER)).json == {"unread": 3}
    assert client.get(f"{API}/inbox/unread-count",
                      headers=auth(settings, OTHER_DISTRICT)).json == {"unread": 0}


def test_mark_read_sets_read_at_and_lowers_the_unread_count(client, settings, db, three_tasks):
    headers = auth(settings, REPORTER)
    first = client.get(f"{API}/inbox", headers=headers).json[0]
    response = client.post(f"{API}/inbox/{first['id']}/read", headers=headers)
    assert response.status_code == 200
    assert response.json["read"] is True
    assert response.json["read_at"].startswith("2026-11-30T03:00:00")
    assert client.get(f"{API}/inbox/unread-count", headers=headers).json == {"unread": 2}


def test_marking_a_read_message_again_changes_nothing(client, settings, db, three_tasks):
    headers = auth(settings, REPORTER)
    first = client.get(f"{API}/inbox", headers=headers).json[0]
    client.post(f"{API}/inbox/{first['id']}/read", headers=headers)
    again = client.post(f"{API}/inbox/{first['id']}/read", headers=headers)
    assert again.status_code == 200 and again.json["read"] is True
    with db.engine.connect() as conn:
        reads = conn.execute(select(audit_log).where(audit_log.c.action == "read")).all()
    assert len(reads) == 1
    assert reads[0].actor_id == REPORTER.user_id and reads[0].entity_id == first["id"]


def test_marking_another_users_message_is_404(client, settings, db, three_tasks):
    mine = inbox_of(db, COORDINATOR)[0]
    response = client.post(f"{API}/inbox/{mine.id}/read", headers=auth(settings, REPORTER))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["details"] == {"vi": "Không tìm thấy thông báo.",
                                        "en": "Notification not found."}
    assert inbox_of(db, COORDINATOR)[0].read_at is None


def test_marking_an_unknown_or_malformed_id_is_404(client, settings, directory):
    headers = auth(settings, REPORTER)
    assert client.post(f"{API}/inbox/{uuid.uuid4()}/read", headers=headers).status_code == 404
    assert client.post(f"{API}/inbox/not-a-uuid/read", headers=headers).status_code == 404


def test_read_all_marks_only_the_callers_unread_messages(client, settings, db, three_tasks):
    headers = auth(settings, REPORTER)
    first = client.get(f"{API}/inbox", headers=headers).json[0]
    client.post(f"{API}/inbox/{first['id']}/read", headers=headers)
    response = client.post(f"{API}/inbox/read-all", headers=headers)
    assert response.status_code == 200 and response.json == {"marked": 2}
    assert client.get(f"{API}/inbox/unread-count", headers=headers).json == {"unread": 0}
    assert client.post(f"{API}/inbox/read-all", headers=headers).json == {"marked": 0}
    assert all(m.read_at is None for m in inbox_of(db, COORDINATOR))


def test_wrong_method_is_a_405_problem(client, settings, directory):
    response = client.get(f"{API}/inbox/read-all", headers=auth(settings, REPORTER))
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.content_type == "application/problem+json"


def test_health_and_openapi_are_public_and_list_the_inbox(client):
    assert client.get("/notifications/healthz").json == {"status": "ok",
                                                         "service": "notifications"}
    spec = client.get("/notifications/api/openapi.json").json
    assert spec["info"]["title"] == "Notifications / Thông báo"
    assert {f"{API}/inbox", f"{API}/inbox/unread-count", f"{API}/inbox/read-all",
            f"{API}/inbox/{{message_id}}/read"} <= set(spec["paths"])


def test_messages_belong_to_the_token_user_not_its_unit(client, settings, three_tasks):
    stranger = auth(settings, Person(uuid.uuid4(), "moi.tuky", TU_KY, ("reporter",)))
    assert client.get(f"{API}/inbox", headers=stranger).json == []
