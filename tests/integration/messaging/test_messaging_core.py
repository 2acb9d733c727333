"""The shared messaging core on real PostgreSQL and a private RabbitMQ node (RELIABILITY.md).

Producer: the tasks service's tables (tasks + outbox) with the production Outbox, OutboxRelay
and AmqpConfirmPublisher. Consumer: the production EventConsumer on a notifications database,
with a test handler that inserts one row per application into `test_effects` (no unique key
there, so a double application would be visible).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import OperationalError

from services.tasks.models import Task
from services.tasks.models import messaging as producer_tables
from shared.db import utcnow
from shared.messaging.publisher import PublishError
from shared.messaging.topology import (
    BINDINGS,
    DELIVERY_LIMIT,
    EXCHANGE_NAME,
    dead_letter_queue_name,
    queue_name,
)
from tests.e2e.processes import free_port
from tests.integration.messaging.support import (
    OUTBOX,
    SERVICE,
    ProbeConsumer,
    Running,
    add_tap,
    add_unit,
    as_message,
    commit_tasks,
    confirm_publisher,
    count_rows,
    declare_topology,
    drain_outbox,
    drain_queue,
    effects,
    envelope,
    handled_count,
    make_consumer,
    make_relay,
    outbox_rows,
    pika_channel,
    publish_raw,
    queue_state,
    record_effect,
    running,
    stage_task,
    task_data,
    wait_for,
)

pytestmark = pytest.mark.integration

QUEUE = queue_name(SERVICE)
DEAD = dead_letter_queue_name(SERVICE)
OUTBOX_TABLE = producer_tables.outbox


def assert_applied_once(db, event_ids) -> None:
    """Every event's effect exists exactly once, and nothing else was applied."""
    applied = effects(db)
    assert set(applied) == set(event_ids)
    twice = {k: v for k, v in applied.items() if v != 1}
    assert not twice, f"effects applied more than once: {twice}"
    assert handled_count(db) == len(set(event_ids))


# -- R1 -----------------------------------------------------------------------------------------

def test_changes_committed_while_broker_is_down_are_published_once_it_is_back(
        rabbit, amqp_url, producer_db, consumer_db):
    unit = add_unit(producer_db)
    rabbit.stop()

    ids = commit_tasks(producer_db, unit, 100, prefix="offline")  # 100 separate transactions
    assert count_rows(producer_db, Task.__table__) == 100

    relay = make_relay(producer_db, confirm_publisher(amqp_url))
    for _ in range(2):
        with pytest.raises(PublishError):
            relay.run_once()
    rows = outbox_rows(producer_db)
    assert [r.event_id for r in rows] == ids
    assert all(r.sent_at is None and r.attempts == 0 for r in rows)  # nothing lost or marked

    rabbit.start()
    drain_outbox(relay)
    assert all(r.sent_at is not None for r in outbox_rows(producer_db))

    consumer = make_consumer(amqp_url, consumer_db)
    with running(consumer):
        wait_for(lambda: set(consumer.acked) >= {str(i) for i in ids}, timeout=60,
                 what="100 events acked")
    assert_applied_once(consumer_db, ids)
    assert relay.pending_count() == 0
    assert queue_state(amqp_url, QUEUE)[0] == 0


# -- R2 -----------------------------------------------------------------------------------------

class InjectedFailure(Exception):
    pass


def test_failed_transaction_leaves_neither_row_nor_event(producer_db):
    unit = add_unit(producer_db)

    # a failure after the business insert and its outbox row, before commit
    with pytest.raises(InjectedFailure), producer_db.uow() as uow:
        stage_task(uow.session, unit, "doomed")
        in_tx = uow.session.execute(select(func.count()).select_from(OUTBOX_TABLE)).scalar_one()
        assert in_tx == 1  # both rows really were written inside the transaction
        raise InjectedFailure

    # a failure in the outbox itself (data breaking the contract) after the business insert
    with pytest.raises(Exception, match="title"), producer_db.uow() as uow:
        now = utcnow()
        task = Task(title="x", assignee_unit_id=unit, deadline=now.date(),
                    effective_deadline=now.date(), status="not_started", created_at=now,
                    updated_at=now)
        uow.session.add(task)
        uow.session.flush()
        OUTBOX.add(uow.session, "task.created", task_data(task.id, "", unit))
        uow.commit()

    assert count_rows(producer_db, Task.__table__) == 0
    assert count_rows(producer_db, OUTBOX_TABLE) == 0

    # control: the same unit of work, committed, leaves both
    with producer_db.uow() as uow:
        stage_task(uow.session, unit, "kept")
        uow.commit()
    assert count_rows(producer_db, Task.__table__) == 1
    assert count_rows(producer_db, OUTBOX_TABLE) == 1


# -- R3 -----------------------------------------------------------------------------------------

class RelayCrash(Exception):
    pass


class CrashAfterConfirm:
    """The real publisher; the relay 'dies' after the confirms arrived, before it marks rows."""

    def __init__(self, inner):
        self.inner = inner
        self.outcomes: list[str | None] = []

    def publish_batch(self, messages):
        self.outcomes = self.inner.publish_batch(messages)
        raise RelayCrash("crashed between confirm and mark")

    def close(self) -> None:
        self.inner.close()


def test_relay_crash_between_confirm_and_mark_duplicates_but_consumer_applies_once(
        amqp_url, producer_db, consumer_db):
    unit = add_unit(producer_db)
    ids = commit_tasks(producer_db, unit, 20, prefix="dup")
    declare_topology(amqp_url)
    tap = add_tap(amqp_url)

    crashing = CrashAfterConfirm(confirm_publisher(amqp_url))
    with pytest.raises(RelayCrash):
        make_relay(producer_db, crashing).run_once()
    crashing.close()
    assert crashing.outcomes == [None] * 20  # the broker confirmed every one
    assert all(r.sent_at is None for r in outbox_rows(producer_db))

    relay = make_relay(producer_db, confirm_publisher(amqp_url))  # the restarted relay
    drain_outbox(relay)
    relay.publisher.close()

    seen = Counter(props.message_id for props, _ in drain_queue(amqp_url, tap))
    assert seen == Counter({str(i): 2 for i in ids})  # the broker got each event twice
    wait_for(lambda: queue_state(amqp_url, QUEUE)[0] == 40, timeout=10,
             what="40 messages in the service queue")

    consumer = make_consumer(amqp_url, consumer_db)
    with running(consumer):
        wait_for(lambda: len(consumer.acked) == 40, timeout=60, what="40 deliveries acked")
    assert_applied_once(consumer_db, ids)


# -- R4 -----------------------------------------------------------------------------------------

def test_unroutable_event_stays_pending_with_attempts_until_binding_restored(
        amqp_url, producer_db, caplog):
    unit = add_unit(producer_db)
    relay = make_relay(producer_db, confirm_publisher(amqp_url))
    [first] = commit_tasks(producer_db, unit, 1, prefix="routed")
    assert relay.run_once() == 1  # connected, topology declared, routed

    with pika_channel(amqp_url) as ch:  # someone removes every binding for task.*
        for service, keys in BINDINGS.items():
            if "task.*" in keys:
                ch.queue_unbind(queue_name(service), EXCHANGE_NAME, routing_key="task.*")

    [second] = commit_tasks(producer_db, unit, 1, prefix="unroutable")

    def row():
        return next(r for r in outbox_rows(producer_db) if r.event_id == second)

    with caplog.at_level(logging.ERROR, logger="shared.messaging.relay"):
        assert relay.run_once() == 0
    r = row()
    assert r.sent_at is None and r.attempts == 1
    assert "unroutable" in r.last_error
    assert r.available_at > utcnow()  # backed off
    assert any(getattr(rec, "event_id", None) == str(second) for rec in caplog.records)

    assert relay.run_once() == 0 and row().attempts == 1  # not retried before its time

    def make_due():
        with producer_db.engine.begin() as conn:
            conn.execute(update(OUTBOX_TABLE).where(OUTBOX_TABLE.c.event_id == second)
                         .values(available_at=utcnow() - timedelta(seconds=1)))

    make_due()
    assert relay.run_once() == 0
    assert row().attempts == 2 and row().sent_at is None

    declare_topology(amqp_url)  # restore the binding through the topology module
    make_due()
    assert relay.run_once() == 1
    assert row().sent_at is not None and relay.pending_count() == 0
    relay.publisher.close()

    wait_for(lambda: queue_state(amqp_url, QUEUE)[0] == 2, timeout=10, what="2 queued")
    got = [props.message_id for props, _ in drain_queue(amqp_url, QUEUE)]
    assert got == [str(first), str(second)]


# -- R6 -----------------------------------------------------------------------------------------

def test_quorum_queue_keeps_confirmed_events_through_kill_9_and_consumer_reconnects(
        rabbit, amqp_url, producer_db, consumer_db):
    unit = add_unit(producer_db)
    ids = commit_tasks(producer_db, unit, 500, prefix="durable", per_transaction=100)
    declare_topology(amqp_url)

    def slow_effect(event, *, uow):
        record_effect(event, uow=uow)
        time.sleep(0.01)  # keep most of the 500 queued when the broker dies

    consumer = make_consumer(amqp_url, consumer_db, handlers={"task.created": slow_effect})
    with running(consumer) as [run]:
        wait_for(lambda: queue_state(amqp_url, QUEUE)[1] == 1, timeout=30,
                 what="the consumer to subscribe")
        relay = make_relay(producer_db, confirm_publisher(amqp_url))
        drain_outbox(relay)  # all 500 confirmed by the broker and marked sent
        relay.publisher.close()
        wait_for(lambda: sum(effects(consumer_db).values()) >= 25, timeout=30,
                 what="consuming to be under way")

        rabbit.kill9()
        applied_at_kill = sum(effects(consumer_db).values())
        assert applied_at_kill < 450, "the kill should hit while most events are still queued"
        rabbit.start()

        wait_for(lambda: len(effects(consumer_db)) == 500, timeout=120,
                 what="all 500 events applied after the restart", interval=0.25)
        assert run.alive and run.error is None  # the consumer reconnected by itself
        wait_for(lambda: queue_state(amqp_url, QUEUE)[0] == 0, timeout=30,
                 what="the queue to be empty")
    assert_applied_once(consumer_db, ids)


# -- R7 -----------------------------------------------------------------------------------------

class SimulatedCrash(Exception):
    pass


class CrashBeforeAck(ProbeConsumer):
    """Dies after the effect committed, before the ack, once for each chosen event."""

    def __init__(self, *, crash_ids: set[str], crashed: dict[str, int], **kwargs):
        super().__init__(**kwargs)
        self.crash_ids = crash_ids
        self.crashed = crashed

    def acknowledge(self, message) -> None:
        message_id = message.properties.get("message_id")
        if message_id in self.crash_ids and message_id not in self.crashed:
            self.crashed[message_id] = effects(self.db)[uuid.UUID(message_id)]
            message.channel.connection.collect()  # the process is gone: socket closed, no ack
            raise SimulatedCrash(message_id)
        super().acknowledge(message)


def test_crash_after_commit_before_ack_is_redelivered_and_applied_once(
        amqp_url, producer_db, consumer_db):
    unit = add_unit(producer_db)
    ids = commit_tasks(producer_db, unit, 100, prefix="crash", per_transaction=100)
    relay = make_relay(producer_db, confirm_publisher(amqp_url))
    drain_outbox(relay)
    relay.publisher.close()

    wanted = {str(i) for i in ids}
    crash_ids = {str(i) for i in ids[::10]}  # 1 event in 10
    crashed: dict[str, int] = {}
    runs: list[Running] = []
    try:
        deadline = time.monotonic() + 90
        while not set().union(*(r.consumer.acked for r in runs)) >= wanted:
            assert time.monotonic() < deadline, "events not all acked in 90 s"
            if not runs or not runs[-1].alive:  # the supervisor restarts a crashed consumer
                runs.append(Running(make_consumer(amqp_url, consumer_db, cls=CrashBeforeAck,
                                                  crash_ids=crash_ids, crashed=crashed)))
            time.sleep(0.05)
    finally:
        for r in runs:
            r.stop()

    assert set(crashed) == crash_ids
    assert set(crashed.values()) == {1}  # each crash came after its effect had committed
    assert len(runs) > 1 or len(crashed) == 0
    assert_applied_once(consumer_db, ids)


# -- R8 -----------------------------------------------------------------------------------------

def test_duplicate_delivery_changes_nothing(amqp_url, consumer_db):
    events = [envelope(f"duplicate {i}") for i in range(50)]
    plan = []
    for i, env in enumerate(events):
        plan += [as_message(env)] * (5 if i == 7 else 2)  # copies side by side: they race
    declare_topology(amqp_url)

    a = make_consumer(amqp_url, consumer_db)
    b = make_consumer(amqp_url, consumer_db)
    with running(a, b):
        wait_for(lambda: queue_state(amqp_url, QUEUE)[1] == 2, timeout=30,
                 what="two consumers on the queue")
        publish_raw(amqp_url, plan)
        wait_for(lambda: len(a.acked) + len(b.acked) == len(plan), timeout=60,
                 what=f"{len(plan)} deliveries acked")
    assert a.acked and b.acked, "both consumers should have taken part"
    assert_applied_once(consumer_db, [uuid.UUID(e["id"]) for e in events])


def test_queued_events_are_applied_several_to_a_transaction(amqp_url, consumer_db):
    events = [envelope(f"burst {i}") for i in range(200)]
    declare_topology(amqp_url)
    publish_raw(amqp_url, [as_message(e) for e in events])  # queued before anyone consumes
    consumer = make_consumer(amqp_url, consumer_db, batch_size=50)
    with running(consumer):
        wait_for(lambda: len(consumer.acked) == len(events), timeout=60,
                 what="the burst acked")
    assert_applied_once(consumer_db, [uuid.UUID(e["id"]) for e in events])
    with consumer_db.engine.connect() as conn:  # xmin: the transaction that wrote each row
        transactions = conn.execute(text(
            "SELECT count(DISTINCT xmin::text) FROM handled_events")).scalar_one()
    assert transactions <= len(events) // 10, f"{transactions} transactions for 200 events"


# -- R11 ----------------------------------------------------------------------------------------

def test_poison_message_is_dead_lettered_and_others_keep_flowing(amqp_url, consumer_db):
    failing_calls: list[uuid.UUID] = []

    def handler(event, *, uow):
        if event.data["title"] == "always fails":
            failing_calls.append(event.id)
            raise RuntimeError("a handler bug")
        record_effect(event, uow=uow)

    before = [envelope(f"good before {i}") for i in range(10)]
    after = [envelope(f"good after {i}") for i in range(10)]
    failing = envelope("always fails")
    invalid = {"id": "not-a-uuid", "type": "task.created", "data": {"title": 3}}
    poison = [
        ("task.created", b"\xff{this is not json", "application/json", "poison-not-json"),
        ("task.created", json.dumps(invalid).encode(), "application/json", "poison-envelope"),
        as_message(failing),
    ]
    declare_topology(amqp_url)

    consumer = make_consumer(amqp_url, consumer_db, handlers={"task.created": handler})
    with running(consumer):
        wait_for(lambda: queue_state(amqp_url, QUEUE)[1] == 1, timeout=30,
                 what="the consumer to subscribe")
        publish_raw(amqp_url, [as_message(e) for e in before] + poison
                    + [as_message(e) for e in after])
        wait_for(lambda: len(effects(consumer_db)) == 20, timeout=60,
                 what="the 20 valid events applied")
        wait_for(lambda: queue_state(amqp_url, DEAD)[0] == 3, timeout=60,
                 what="3 messages in the dead-letter queue")

    dead = {props.message_id: (props, body) for props, body in drain_queue(amqp_url, DEAD)}
    assert set(dead) == {"poison-not-json", "poison-envelope", failing["id"]}
    assert dead["poison-not-json"][1] == b"\xff{this is not json"  # kept as it came
    assert json.loads(dead["poison-envelope"][1]) == invalid
    # the first delivery and DELIVERY_LIMIT redeliveries, then the broker dead-letters it
    assert len(failing_calls) == DELIVERY_LIMIT + 1
    assert dead[failing["id"]][0].headers["x-first-death-reason"] == "delivery_limit"
    assert dead["poison-not-json"][0].headers["x-first-death-reason"] == "rejected"
    assert dead["poison-envelope"][0].headers["x-first-death-reason"] == "rejected"
    assert set(failing_calls) == {uuid.UUID(failing["id"])}
    reasons = " ".join(consumer.dead)
    assert "undecodable" in reasons and "invalid event" in reasons
    assert queue_state(amqp_url, QUEUE)[0] == 0
    assert_applied_once(consumer_db, [uuid.UUID(e["id"]) for e in before + after])



def test_transient_handler_failure_is_retried_not_dead_lettered(amqp_url, consumer_db):
    outage_ends: list[float] = []

    def handler(event, *, uow):
        if not outage_ends:
            outage_ends.append(time.monotonic() + 0.5)
        if time.monotonic() < outage_ends[0]:
            raise OperationalError("INSERT ...", {}, Exception("server closed the connection"))
        record_effect(event, uow=uow)

    events = [envelope(f"blip {i}") for i in range(20)]
    declare_topology(amqp_url)
    consumer = make_consumer(amqp_url, consumer_db, handlers={"task.created": handler})
    with running(consumer):
        wait_for(lambda: queue_state(amqp_url, QUEUE)[1] == 1, timeout=30,
                 what="the consumer to subscribe")
        publish_raw(amqp_url, [as_message(e) for e in events])
        wait_for(lambda: len(effects(consumer_db)) + queue_state(amqp_url, DEAD)[0] == 20,
                 timeout=60, what="every event applied or dead-lettered")
    assert queue_state(amqp_url, DEAD)[0] == 0
    assert_applied_once(consumer_db, [uuid.UUID(e["id"]) for e in events])


def test_a_consumer_stops_when_asked_even_while_the_broker_is_unreachable(consumer_db):
    closed_port = free_port()
    consumer = make_consumer(f"amqp://guest:guest@127.0.0.1:{closed_port}//", consumer_db,
                             handlers={})
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    time.sleep(1.0)
    consumer.should_stop = True
    thread.join(15)
    assert not thread.is_alive(), "the consumer kept retrying after should_stop"


def test_a_batch_spanning_several_socket_writes_arrives_whole_and_in_order(
        amqp_url, producer_db):
    """The publisher gathers frames into writes of WRITE_CHUNK bytes: 200 events of ~800 bytes
    (several writes) are all confirmed, marked sent and queued in their order."""
    unit = add_unit(producer_db)
    relay = make_relay(producer_db, confirm_publisher(amqp_url))
    ids = commit_tasks(producer_db, unit, 200, prefix="x" * 450, per_transaction=50)
    assert relay.run_once() == 200
    relay.publisher.close()
    assert relay.pending_count() == 0
    wait_for(lambda: queue_state(amqp_url, QUEUE)[0] == 200, timeout=10, what="200 queued")
    got = drain_queue(amqp_url, QUEUE)
    assert [props.message_id for props, _ in got] == [str(i) for i in ids]
    assert all(json.loads(body)["data"]["title"].startswith("x" * 450) for _, body in got)
