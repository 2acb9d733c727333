"""Counting events across the services' databases: sent, applied, lost, applied twice.

Every service writes its events to its outbox and records each event it handled in
`handled_events`, in the effect's transaction. So, read straight from the databases:

- sent: outbox rows marked sent (unsent rows are counted apart);
- expected applications: each (event, consumer) pair whose routing key the consumer's
  queue is bound to (shared/messaging/topology.py);
- lost: expected pairs with no handled row once everything has drained;
- duplicated: effects present more than once for one event (inbox messages per event and
  user, deliveries per event, recipient and channel, task moves per event).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from shared.messaging.topology import BINDINGS

DUPLICATE_EFFECTS = {
    "notifications": [
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM inbox_messages "
        "GROUP BY event_id, user_id HAVING count(*) > 1) d",
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM deliveries "
        "GROUP BY event_id, recipient, channel HAVING count(*) > 1) d",
    ],
}


def routes(pattern: str, key: str) -> bool:
    """AMQP topic matching for the patterns the topology uses (`*` is one word)."""
    words, parts = key.split("."), pattern.split(".")
    return len(words) == len(parts) and all(p in ("*", w) for p, w in zip(parts, words,
                                                                            strict=True))


@dataclass
class EventCounts:
    """What the databases say about every event of a run."""

    sent: int = 0
    unsent: int = 0
    applied: int = 0
    lost: list[tuple[str, str, str]] = field(default_factory=list)  # (consumer, type, id)
    duplicated: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        """True when everything was sent and applied (nothing left in flight)."""
        return self.unsent == 0 and not self.lost

    def columns(self) -> dict[str, int]:
        """The counts the proof table shows (`proof.record(**counts.columns())`)."""
        return {"sent": self.sent, "applied": self.applied, "lost": len(self.lost),
                "duplicated": self.duplicated}

    def summary(self) -> str:
        lost = ", ".join(f"{c}:{t}:{i[:8]}" for c, t, i in self.lost[:10])
        return (f"sent={self.sent} unsent={self.unsent} applied={self.applied} "
                f"lost={len(self.lost)} [{lost}] duplicated={self.duplicated}")


def rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url, pool_size=1, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def count_events(database_urls: dict[str, str]) -> EventCounts:
    """Read every outbox and handled-event table and count as the module docstring says."""
    counts = EventCounts()
    events: list[tuple[str, str]] = []
    for url in database_urls.values():
        for event_id, event_type, sent_at in rows(
                url, "SELECT event_id, event_type, sent_at FROM outbox"):
            if sent_at is None:
                counts.unsent += 1
                continue
            counts.sent += 1
            counts.by_type[event_type] = counts.by_type.get(event_type, 0) + 1
            events.append((str(event_id), event_type))
    for consumer, patterns in BINDINGS.items():
        handled = {str(r[0]) for r in rows(database_urls[consumer],
                                            "SELECT event_id FROM handled_events")}
        for event_id, event_type in events:
            if not any(routes(p, event_type) for p in patterns):
                continue
            if event_id in handled:
                counts.applied += 1
            else:
                counts.lost.append((consumer, event_type, event_id))
        for sql in DUPLICATE_EFFECTS.get(consumer, []):
            counts.duplicated += int(rows(database_urls[consumer], sql)[0][0])
    return counts
