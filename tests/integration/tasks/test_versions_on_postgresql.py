"""A task's version is its optimistic lock: of two writes racing on it, the second fails."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError

from services.tasks.models import Task
from shared.db import Database
from tests import helpers
from tests.unit.shared.test_copies_follow_versions import _history


def test_a_write_that_lost_a_race_on_a_task_fails_instead_of_overwriting():
    url = helpers.create_pg_database("tasks")
    db = Database(url)
    try:
        _unit_id, _user_id, task_id = _history(db)
        first, second = db.session_factory(), db.session_factory()
        a, b = first.get(Task, task_id), second.get(Task, task_id)
        a.title, a.version = "Một", a.version + 1
        first.commit()
        b.title, b.version = "Hai", b.version + 1
        with pytest.raises(StaleDataError):
            second.commit()
        first.close()
        second.close()
        with db.uow() as uow:
            task = uow.session.get(Task, task_id)
            assert (task.title, task.version) == ("Một", 5)
    finally:
        db.dispose()
        helpers.drop_pg_database(url)
