"""Background work with real processes (issue 6, "Done when").

Each test runs real ``celery worker`` / ``celery beat`` (and gunicorn) processes
against its own PostgreSQL database and a real Redis, and receives webhooks and
e-mail on real servers on 127.0.0.1. "Exactly once" is asserted on what people
and group chats see: the events on the hazard file, the inbox rows, and the
requests the robot answered.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import signal
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anxin.hazards.models import Hazard, HazardEvent
from anxin.notifications.models import Delivery, Notification
from anxin.outbox.models import OutboxMessage
from anxin.warnings.models import RiskWarning, WarningHazard
from tests.integration import harness
from tests.integration.harness import Database, Processes, WebhookReceiver, wait_until

pytestmark = pytest.mark.integration

EVENTS = HazardEvent._meta.db_table
NOTIFICATIONS = Notification._meta.db_table
DELIVERIES = Delivery._meta.db_table
OUTBOX = OutboxMessage._meta.db_table
WARNINGS = RiskWarning._meta.db_table
WARNING_HAZARDS = WarningHazard._meta.db_table
HAZARDS = Hazard._meta.db_table
WAIT = 60  # seconds: the longest any single condition may take
SWEEP_SECONDS = 2
ROBOT_PATH = "/robot/district"


def events_of(db: Database, hazard_id: int, kind: str) -> list[tuple[Any, ...]]:
    return db.rows(
        f"SELECT id, data FROM {EVENTS} WHERE hazard_id = %s AND kind = %s ORDER BY id",
        hazard_id,
        kind,
    )


def notifications_for(db: Database, key_prefix: str) -> list[tuple[int, str]]:
    return [
        (int(r[0]), str(r[1]))
        for r in db.rows(
            f"SELECT recipient_id, key FROM {NOTIFICATIONS} WHERE key LIKE %s ORDER BY id",
            key_prefix + "%",
        )
    ]


def deliveries(db: Database, channel: str | None = None) -> list[dict[str, Any]]:
    rows = db.rows(
        f"SELECT id, channel, status, attempts, target, history FROM {DELIVERIES} "
        "WHERE (%s::text IS NULL OR channel = %s::text) ORDER BY id",
        channel,
        channel,
    )
    keys = ("id", "channel", "status", "attempts", "target", "history")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def settled(db: Database) -> bool:
    """Nothing left to do: every outbox row relayed, every delivery sent."""
    unsent = db.value(f"SELECT count(*) FROM {OUTBOX} WHERE sent_at IS NULL")
    pending = db.value(f"SELECT count(*) FROM {DELIVERIES} WHERE status <> 'sent'")
    return unsent == 0 and pending == 0


def state(db: Database, hazard_id: int, receiver: WebhookReceiver) -> dict[str, Any]:
    """What a later sweep must not change."""
    return {
        "events": db.rows(f"SELECT id FROM {EVENTS} WHERE hazard_id = %s ORDER BY id", hazard_id),
        # (the daily digest at 07:30 is beat's own business, not a re-sweep)
        "notifications": db.rows(
            f"SELECT id, key FROM {NOTIFICATIONS} WHERE kind <> 'digest' ORDER BY id"
        ),
        "deliveries": db.rows(
            f"SELECT d.id, d.status, d.attempts FROM {DELIVERIES} d LEFT JOIN {NOTIFICATIONS} n "
            "ON n.id = d.notification_id WHERE n.kind IS DISTINCT FROM 'digest' ORDER BY d.id"
        ),
        "warnings": db.rows(f"SELECT id, level, status FROM {WARNINGS} ORDER BY id"),
        "robot": [(r.delivery_id, r.outcome) for r in receiver.snapshot()],
    }


# --- 1. overdue, escalated and notified once with two workers and beat -------------------
def test_overdue_hazard_is_escalated_and_notified_once_with_two_workers_and_beat(
    it_db: Database,
    shared_redis: str,
    procs: Processes,
    webhook: WebhookReceiver,
    make_env: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    # Given a yellow hazard whose rectification deadline passed an hour ago, the
    # district's default warning rules and a WeChat Work robot for the district
    env = make_env(
        shared_redis, SWEEP_INTERVAL_SECONDS=SWEEP_SECONDS, OUTBOX_RELAY_INTERVAL_SECONDS=2
    )
    given = harness.scenario(
        "overdue_yellow",
        {**env, "CELERY_TASK_ALWAYS_EAGER": "1"},  # the set-up's own side effects run here
        robot_url=webhook.url(ROBOT_PATH),
    )
    hazard_id = given["hazard_id"]
    assert events_of(it_db, hazard_id, "overdue") == []

    # When two workers get four sweeps at once (so that they sweep at the same
    # moment), and beat then sends a sweep every 2 s
    workers = [procs.worker(env, name, wait=False) for name in ("w1", "w2")]
    for worker in workers:
        procs.wait_for_log(worker, " ready.", WAIT)
    harness.scenario("send_tasks", env, task="anxin.hazards.tasks.sweep_overdue", count=4)
    procs.beat(env, tmp_path / "beat-schedule")

    # Then the hazard is escalated, and everybody concerned is told
    wait_until(
        lambda: events_of(it_db, hazard_id, "escalation"),
        WAIT,
        "the escalation event",
        procs.diagnostics,
    )
    wait_until(
        lambda: webhook.completed(ROBOT_PATH), WAIT, "the robot's message", procs.diagnostics
    )
    wait_until(lambda: settled(it_db), WAIT, "all deliveries sent", procs.diagnostics)

    overdue = events_of(it_db, hazard_id, "overdue")
    escalations = events_of(it_db, hazard_id, "escalation")
    assert len(overdue) == 1
    assert [data["level"] for _id, data in escalations] == [2]  # yellow: straight to the street
    assert it_db.rows(
        f"SELECT is_overdue, escalation_level FROM {HAZARDS} WHERE id = %s", hazard_id
    ) == [(True, 2)]
    overdue_id, escalation_id = overdue[0][0], escalations[0][0]
    # the property company that must rectify it and the grid worker: overdue
    assert sorted(notifications_for(it_db, f"overdue:{overdue_id}:")) == sorted(
        [
            (given["property_manager"], f"overdue:{overdue_id}:{given['property_manager']}"),
            (given["grid_worker"], f"overdue:{overdue_id}:{given['grid_worker']}"),
        ]
    )
    # the street office: escalated to it
    assert notifications_for(it_db, f"escalation:{escalation_id}:") == [
        (given["street_admin"], f"escalation:{escalation_id}:{given['street_admin']}")
    ]
    # an overdue yellow hazard raises one orange warning (street coordination)...
    warnings = it_db.rows(
        f"SELECT w.id, w.level FROM {WARNINGS} w JOIN {WARNING_HAZARDS} l "
        "ON l.warning_id = w.id WHERE l.hazard_id = %s",
        hazard_id,
    )
    # (the blue one is the single-hazard warning of its report: its grid worker follows it)
    assert sorted(level for _id, level in warnings) == ["blue", "orange"]
    warnings = [w for w in warnings if w[1] == "orange"]
    # ...which the district's robot received exactly once
    messages = webhook.snapshot(ROBOT_PATH)
    assert len(messages) == 1, [m.json() for m in messages]
    assert messages[0].outcome == "completed"
    content = messages[0].json()["markdown"]["content"]
    assert given["code"] in content
    assert f"/warnings/{warnings[0][0]}/" in content
    robot_deliveries = deliveries(it_db, "wecom")
    assert [(d["status"], d["attempts"]) for d in robot_deliveries] == [("sent", 1)]
    assert messages[0].delivery_id == str(robot_deliveries[0]["id"])

    # And a few more sweeps (on both workers) change nothing
    before = state(it_db, hazard_id, webhook)
    done = sum(sweeps_done(w) for w in workers)
    wait_until(lambda: sum(sweeps_done(w) for w in workers) >= done + 3, WAIT, "three more sweeps")
    time.sleep(1)
    assert state(it_db, hazard_id, webhook) == before
    assert all(sweeps_done(w) >= 1 for w in workers), "each worker swept at least once"


def sweeps_done(worker: harness.Child) -> int:
    return sum(
        1
        for line in worker.text().splitlines()
        if "Task anxin.hazards.tasks.sweep_overdue[" in line and " succeeded " in line
    )


# --- 2. a worker killed in the middle of a delivery ----------------------------------------
def _red_report_with_held_robot(
    it_db: Database,
    env: dict[str, str],
    webhook: WebhookReceiver,
    procs: Processes,
    hold: float = 10.0,
) -> tuple[dict[str, Any], dict[str, Any], harness.Child]:
    """A red hazard is reported; the district robot's first request is held open."""
    people = harness.scenario("people_and_robot", env, robot_url=webhook.url(ROBOT_PATH))
    webhook.hold_next(hold)
    worker = procs.worker(env, "w1")
    hazard = harness.scenario("report_red", env, reporter_id=people["grid_worker"])
    wait_until(webhook.held_arrived.is_set, WAIT, "the robot request", procs.diagnostics)
    return people, hazard, worker


def _assert_delivered_exactly_once(
    it_db: Database, webhook: WebhookReceiver, people: dict[str, Any], hazard_id: int
) -> None:
    robot = deliveries(it_db, "wecom")
    assert len(robot) == 1
    delivery = robot[0]
    # The row ends sent, with the attempt that succeeded recorded (the killed
    # attempt never committed: its transaction died with the process)
    assert delivery["status"] == "sent"
    assert delivery["attempts"] == 1
    assert [h["ok"] for h in delivery["history"]] == [True]
    # The robot saw the same delivery twice and answered it once: the first
    # connection died without a response, the second got the 200
    requests = webhook.snapshot(ROBOT_PATH)
    assert [(r.delivery_id, r.outcome) for r in requests] == [
        (str(delivery["id"]), "abandoned"),
        (str(delivery["id"]), "completed"),
    ]
    assert requests[0].body == requests[1].body
    # The inbox notifications of the report exist once each
    event_id = it_db.value(
        f"SELECT id FROM {EVENTS} WHERE hazard_id = %s AND action = 'report'", hazard_id
    )
    told = Counter(r for r, _key in notifications_for(it_db, f"reported:{event_id}:"))
    assert told == {
        people["grid_worker"]: 1,
        people["street_admin"]: 1,
        people["district_admin"]: 1,
    }


def test_pool_process_killed_mid_delivery_the_task_runs_again_and_delivers_once(
    it_db: Database,
    shared_redis: str,
    procs: Processes,
    webhook: WebhookReceiver,
    make_env: Callable[..., dict[str, str]],
) -> None:
    # Given a worker whose pool process is inside the robot's request (held open)
    env = make_env(shared_redis, NOTIFY_HTTP_TIMEOUT_SECONDS=30)
    people, hazard, worker = _red_report_with_held_robot(it_db, env, webhook, procs)
    pool = worker.children()
    assert len(pool) == 1, pool

    # When the pool process is SIGKILLed (the kernel's OOM killer does this)
    import os

    os.kill(pool[0], signal.SIGKILL)

    # Then the worker rejects the task back to Redis (acks_late +
    # reject_on_worker_lost), a new pool process runs it, and it is delivered once
    wait_until(
        lambda: webhook.completed(ROBOT_PATH), WAIT, "the re-run delivery", procs.diagnostics
    )
    wait_until(lambda: settled(it_db), WAIT, "all deliveries sent", procs.diagnostics)
    assert "WorkerLostError" in worker.text() or "SIGKILL" in worker.text()
    _assert_delivered_exactly_once(it_db, webhook, people, hazard["hazard_id"])


def test_worker_killed_mid_delivery_another_worker_delivers_once(
    it_db: Database,
    shared_redis: str,
    procs: Processes,
    webhook: WebhookReceiver,
    make_env: Callable[..., dict[str, str]],
) -> None:
    # Given a worker inside the robot's request (held open), with Redis handing
    # unacknowledged tasks of dead workers on after 8 s (production: an hour)
    visibility = 8
    env = make_env(
        shared_redis, NOTIFY_HTTP_TIMEOUT_SECONDS=30, BROKER_VISIBILITY_TIMEOUT_SECONDS=visibility
    )
    people, hazard, worker = _red_report_with_held_robot(it_db, env, webhook, procs, hold=20)
    received_at = webhook.snapshot(ROBOT_PATH)[0].arrived_at

    # When the whole worker (main and pool process) is SIGKILLed, like a machine
    # that dies, and another worker is started once the visibility timeout passed
    procs.kill(worker, signal.SIGKILL, group=True)
    assert not worker.alive()
    wait_until(
        lambda: webhook.snapshot(ROBOT_PATH)[0].outcome == "abandoned", WAIT, "the dead connection"
    )
    assert deliveries(it_db, "wecom")[0]["status"] == "pending"
    time.sleep(max(0.0, received_at + visibility + 1 - time.time()))
    procs.worker(env, "w2")

    # Then the new worker takes the task over from Redis and delivers it once
    wait_until(
        lambda: webhook.completed(ROBOT_PATH), WAIT, "the re-run delivery", procs.diagnostics
    )
    wait_until(lambda: settled(it_db), WAIT, "all deliveries sent", procs.diagnostics)
    _assert_delivered_exactly_once(it_db, webhook, people, hazard["hazard_id"])


# --- 3. Redis down while hazards are reported ----------------------------------------------
def _post_hazard(port: int, token: str, category: str, n: int) -> tuple[int, dict[str, Any], float]:
    body = json.dumps(
        {
            "category": category,
            "lat": 30.015,
            "lng": 120.007,
            "risk_colour": "red",
            "title": f"燃气泄漏 {n}",
            "address": f"保俶路{n}号",
        }
    ).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/hazards/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": f"it-broker-down-{n}",
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode(errors="replace")}, 0.0


def test_reports_are_accepted_while_redis_is_down_and_every_notification_arrives_later(
    it_db: Database,
    procs: Processes,
    webhook: WebhookReceiver,
    make_env: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    # Given gunicorn, a worker and beat on a Redis of our own
    redis = harness.OwnRedis(procs)
    redis.start()
    env = make_env(redis.url, OUTBOX_RELAY_INTERVAL_SECONDS=2)
    people = harness.scenario("people_and_robot", env, robot_url=webhook.url(ROBOT_PATH))
    port = harness.free_port()
    procs.gunicorn(env, port)
    procs.worker(env, "w1")
    procs.beat(env, tmp_path / "beat-schedule")

    # (one report while Redis is up: the web process holds a live broker connection)
    status, body, _seconds = _post_hazard(port, people["token"], people["category"], 0)
    assert status == 201, body
    wait_until(
        lambda: webhook.completed(ROBOT_PATH), WAIT, "the first robot message", procs.diagnostics
    )
    wait_until(lambda: settled(it_db), WAIT, "all deliveries sent", procs.diagnostics)
    webhook.requests.clear()
    first_hazard = body["id"]

    # When Redis stops and five red hazards are reported through the API
    redis.stop()
    reported = []
    for n in range(1, 6):
        status, body, seconds = _post_hazard(port, people["token"], people["category"], n)
        assert status == 201, body
        reported.append((body["id"], body["code"], seconds))
    print("POST durations with Redis down (s):", [round(r[2], 2) for r in reported])
    hazard_ids = [r[0] for r in reported]
    # the work is waiting in the outbox, nothing was lost
    assert it_db.value(f"SELECT count(*) FROM {OUTBOX} WHERE sent_at IS NULL") == 5
    assert webhook.snapshot() == []

    # And Redis comes back
    redis.start()

    # Then every notification arrives: the robot gets one message per hazard and
    # the inboxes one row per person and hazard
    wait_until(
        lambda: len(webhook.completed(ROBOT_PATH)) >= 5,
        90,
        "five robot messages",
        procs.diagnostics,
    )
    wait_until(lambda: settled(it_db), WAIT, "all deliveries sent", procs.diagnostics)
    time.sleep(2 * 2)  # two more relay periods: nothing more may come
    messages = webhook.snapshot(ROBOT_PATH)
    assert len(messages) == 5
    assert all(m.outcome == "completed" for m in messages)
    assert len({m.delivery_id for m in messages}) == 5
    codes = sorted(code for _id, code, _s in reported)
    assert (
        sorted(next(c for c in codes if c in m.json()["markdown"]["content"]) for m in messages)
        == codes
    )
    for hazard_id in hazard_ids:
        event_id = it_db.value(
            f"SELECT id FROM {EVENTS} WHERE hazard_id = %s AND action = 'report'", hazard_id
        )
        told = Counter(r for r, _key in notifications_for(it_db, f"reported:{event_id}:"))
        assert told == {
            people["grid_worker"]: 1,
            people["street_admin"]: 1,
            people["district_admin"]: 1,
        }
    robot = deliveries(it_db, "wecom")
    assert [(d["status"], d["attempts"]) for d in robot] == [("sent", 1)] * 6  # with the first
    assert first_hazard not in hazard_ids


# --- 4. e-mail and a signed DingTalk message through the real worker ------------------------
def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's documented signature, computed independently of the app."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_email_and_signed_dingtalk_message_arrive_at_real_servers(
    it_db: Database,
    shared_redis: str,
    procs: Processes,
    webhook: WebhookReceiver,
    smtp: harness.MailReceiver,
    make_env: Callable[..., dict[str, str]],
) -> None:
    # Given a DingTalk robot with a signing secret, people with e-mail addresses,
    # and a worker that sends e-mail through a real SMTP server
    secret = "SEC0123456789abcdef"
    env = make_env(
        shared_redis,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=smtp.port,
        DEFAULT_FROM_EMAIL="anxin@example.cn",
    )
    people = harness.scenario(
        "people_and_robot",
        env,
        robot_url=webhook.url("/robot/send?access_token=tok"),
        kind="dingtalk",
        secret=secret,
    )
    procs.worker(env, "w1")

    # When a red hazard is reported
    started_ms = int(time.time() * 1000)
    hazard = harness.scenario("report_red", env, reporter_id=people["grid_worker"])

    # Then the district's DingTalk group gets one correctly signed message
    wait_until(
        lambda: webhook.completed("/robot/send"), WAIT, "the DingTalk message", procs.diagnostics
    )
    wait_until(lambda: len(smtp.messages) >= 3, WAIT, "three e-mails", procs.diagnostics)
    wait_until(lambda: settled(it_db), WAIT, "all deliveries sent", procs.diagnostics)
    [message] = webhook.snapshot("/robot/send")
    assert message.query["access_token"] == "tok"
    timestamp = message.query["timestamp"]
    assert started_ms - 1000 <= int(timestamp) <= int(time.time() * 1000)
    assert message.query["sign"] == dingtalk_sign(secret, timestamp)
    assert message.headers["content-type"].startswith("application/json")
    payload = message.json()
    assert payload["msgtype"] == "markdown"
    assert hazard["code"] in payload["markdown"]["title"]
    assert hazard["code"] in payload["markdown"]["text"]
    assert f"https://anxin.example.cn/hazards/{hazard['hazard_id']}/" in payload["markdown"]["text"]

    # And the grid worker, the street office and the district get one e-mail each
    assert sorted(rcpts[0] for _from, rcpts in smtp.envelopes) == [
        "district_admin@example.cn",
        "grid_worker@example.cn",
        "street_admin@example.cn",
    ]
    assert {mail_from for mail_from, _r in smtp.envelopes} == {"anxin@example.cn"}
    for mail in smtp.messages:
        assert hazard["code"] in str(mail["Subject"])
        text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "保俶路2号" in text
        assert f"https://anxin.example.cn/hazards/{hazard['hazard_id']}/" in text
    assert sorted((d["channel"], d["status"], d["attempts"]) for d in deliveries(it_db)) == [
        ("dingtalk", "sent", 1),
        ("email", "sent", 1),
        ("email", "sent", 1),
        ("email", "sent", 1),
    ]
