"""What planning reads about the directory, once per batch of events instead of once per event.

The consumer applies queued events several to a transaction. Within that transaction the
recipients of a unit, their preferences, the active webhooks and the local task copies do not
change, except by the batch's own events: directory events (`unit.upserted`,
`user.upserted`) call `forget`, and task copies made by the batch are kept here as they are
made. (Preferences and webhooks that an admin changes meanwhile count from the next batch,
as they would had the batch committed a moment earlier.) Lookups live in the session's
`info`, so they end with the transaction.

Reads run without autoflush: what the batch adds is written in one go when it commits
(one multi-row insert per table), not before every read.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications import repository
from services.notifications.models import Preference, Recipient, TaskState, Unit, Webhook

KEY = "notifications.lookups"


class Lookups:
    """One transaction's directory reads, each made once."""

    def __init__(self, session: Session):
        self.session = session
        self._recipients: dict[tuple, list[Recipient]] = {}
        self._preferences: dict[uuid.UUID, Preference | None] = {}
        self._webhooks: list[Webhook] | None = None
        self._units: dict[uuid.UUID | None, Unit | None] = {}
        self._task_states: dict[uuid.UUID, TaskState | None] = {}

    @classmethod
    def of(cls, session: Session) -> Lookups:
        """The lookups of the session's current transaction (made on first use)."""
        lookups = session.info.get(KEY)
        if lookups is None:
            lookups = session.info[KEY] = cls(session)
        return lookups

    @staticmethod
    def forget(session: Session) -> None:
        """Drop the directory reads: a unit or a user changed in this transaction."""
        lookups = session.info.get(KEY)
        if lookups is not None:
            lookups._recipients.clear()
            lookups._preferences.clear()
            lookups._webhooks = None
            lookups._units.clear()

    def active_recipients(self, *, unit_id: uuid.UUID | None = None,
                          roles: Collection[str] | None = None) -> list[Recipient]:
        """repository.active_recipients, read once per unit and roles."""
        key = (unit_id, tuple(sorted(roles or ())))
        if key not in self._recipients:
            with self.session.no_autoflush:
                self._recipients[key] = repository.active_recipients(
                    self.session, unit_id=unit_id, roles=roles)
        return list(self._recipients[key])

    def preferences(self, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Preference]:
        """The stored preferences of these users (users without any are left out)."""
        wanted = list(dict.fromkeys(user_ids))
        missing = [u for u in wanted if u not in self._preferences]
        if missing:
            self._preferences.update(dict.fromkeys(missing))
            with self.session.no_autoflush:
                self._preferences.update({p.user_id: p for p in self.session.execute(
                    select(Preference).where(Preference.user_id.in_(missing))).scalars()})
        return {u: p for u in wanted if (p := self._preferences[u]) is not None}

    def unit(self, unit_id: uuid.UUID | None) -> Unit | None:
        """The directory copy of a unit (held here: the session keeps loaded rows weakly)."""
        if unit_id not in self._units:
            with self.session.no_autoflush:
                self._units[unit_id] = repository.get_unit(self.session, unit_id)
        return self._units[unit_id]

    def active_webhooks(self) -> list[Webhook]:
        """Every active webhook subscription."""
        if self._webhooks is None:
            with self.session.no_autoflush:
                self._webhooks = list(self.session.execute(
                    select(Webhook).where(Webhook.active.is_(True))).scalars())
        return self._webhooks

    def load_task_states(self, task_ids: Iterable[uuid.UUID]) -> None:
        """Read the local copies of these tasks in one query (absent ones noted as absent)."""
        missing = [t for t in dict.fromkeys(task_ids) if t not in self._task_states]
        if not missing:
            return
        self._task_states.update(dict.fromkeys(missing))
        with self.session.no_autoflush:
            self._task_states.update({s.task_id: s for s in self.session.execute(
                select(TaskState).where(TaskState.task_id.in_(missing))).scalars()})

    def task_state(self, task_id: uuid.UUID) -> TaskState | None:
        """The local copy of a task, including one this batch made and has not written yet."""
        self.load_task_states([task_id])
        return self._task_states[task_id]

    def add_task_state(self, state: TaskState) -> None:
        """Note a new task copy (added to the session by the caller)."""
        self._task_states[state.task_id] = state
